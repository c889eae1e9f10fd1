"""Building graph edges from shareholder and key personnel records.

Every version of such a record gets its edges once (``graph_edges``, unique per record and
kind); an edge never changes afterwards, since the record version behind it carries whether it
is current, when it was recorded and superseded, and its status. So the graph is kept up to
date by adding the edges of each batch's new versions (``refresh_batch``, called by the ingest
pipeline after a batch of these items), and ``rebuild`` derives everything again (after an
upgrade, or to repair). A natural person becomes ``person:<keyed hash of the ID number>``, the
same key the subject database uses, so a shareholder who is also a subject is one node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from sqlalchemy import Integer, delete, exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from xinyong.db.bulk import among, insert_frame
from xinyong.graph.models import HOLDING, LEGAL_REPRESENTATIVE, OFFICER, GraphEdge
from xinyong.identifiers.resident_id import mask_resident_id
from xinyong.identifiers.uscc import subject_kind_of_uscc
from xinyong.privacy.ids import IdProtector, get_protector, is_encrypted
from xinyong.records.layouts import as_dict, layout_codes
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

SHAREHOLDER = "shareholder"
KEY_PERSONNEL = "key_personnel"
EDGE_ITEMS = (SHAREHOLDER, KEY_PERSONNEL)
NATURAL_PERSON = "natural_person"
PERSON_HOLDER = "自然人股东"
EXECUTIVE_PARTNER = "执行事务合伙人"
READ_CHUNK = 5000
PERSON_PREFIX = "person:"
NAME_PREFIX = "name:"


def person_key(person_hash: str) -> str:
    return PERSON_PREFIX + person_hash


def unidentified_key(target: str, name: str) -> str:
    """A holder without a code: known only by its name, within the company that names it
    (two companies naming the same person are not taken to be one person)."""
    digest = hashlib.sha256(f"{target}\x1f{name}".encode()).hexdigest()[:40]
    return NAME_PREFIX + digest


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


class _Person:
    """Key, masked form and ciphertext of a person's ID number as a record stores it."""

    def __init__(self, protector: IdProtector) -> None:
        self.protector = protector

    def identify(self, stored: Any) -> tuple[str, str, str] | None:
        if not stored:
            return None
        plain = self.protector.decrypt(stored) if is_encrypted(stored) else str(stored)
        encrypted = stored if is_encrypted(stored) else self.protector.encrypt(plain)
        return person_key(self.protector.lookup_hash(plain)), mask_resident_id(plain), encrypted


def _source(
    person: _Person, target: str, name: str, uscc: Any, id_number: Any, is_person: bool
) -> dict[str, Any]:
    if is_person:
        found = person.identify(id_number)
        if found is not None:
            key, masked, encrypted = found
            return {
                "source_key": key,
                "source_kind": NATURAL_PERSON,
                "source_masked": masked,
                "source_id_enc": encrypted,
            }
        kind = NATURAL_PERSON
    else:
        if uscc:
            return {"source_key": uscc, "source_kind": subject_kind_of_uscc(uscc)}
        kind = "other_organization"
    return {"source_key": unidentified_key(target, name), "source_kind": kind}


def _empty(record_id: int, item: str, target: str, target_id: int) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "item": item,
        "target_key": target,
        "target_id": target_id,
        "source_masked": None,
        "source_id_enc": None,
        "ratio": None,
        "subscribed_wan": None,
        "paid_wan": None,
        "method": None,
        "role": None,
        "controls": False,
    }


def holding_edges(
    person: _Person, record_id: int, target: str, target_id: int, f: dict[str, Any]
) -> list[dict[str, Any]]:
    name = f["GD_GDMC"]
    ratio = _decimal(f.get("GD_CZBL"))
    methods = f.get("GD_RJCZFS") or []
    edge = _empty(record_id, SHAREHOLDER, target, target_id) | {
        "kind": HOLDING,
        "source_name": name,
        "ratio": float(ratio) / 100 if ratio is not None else None,
        "subscribed_wan": _decimal(f.get("GD_RJCZE")),
        "paid_wan": _decimal(f.get("GD_SJCZE")),
        "method": "、".join(methods) if isinstance(methods, list) else str(methods),
        "role": f.get("GD_HHRLX") or f.get("GD_GDLX"),
        "controls": f.get("GD_HHRLX") == EXECUTIVE_PARTNER,
        "valid_from": _date(f.get("GD_QSRQ")),
        "valid_to": _date(f.get("GD_TCRQ")),
    }
    is_person = f.get("GD_GDLX") == PERSON_HOLDER
    edge |= _source(person, target, name, f.get("GD_GDSHXYM"), f.get("GD_ZJHM"), is_person)
    return [edge]


def officer_edges(
    person: _Person, record_id: int, target: str, target_id: int, f: dict[str, Any]
) -> list[dict[str, Any]]:
    name = f["RY_XM"]
    edge = _empty(record_id, KEY_PERSONNEL, target, target_id) | {
        "kind": OFFICER,
        "source_name": name,
        "role": f.get("RY_ZW"),
        "valid_from": _date(f.get("RY_RZRQ")),
        "valid_to": _date(f.get("RY_LZRQ")),
    }
    edge |= _source(person, target, name, None, f.get("RY_ZJHM"), True)
    edges = [edge]
    if f.get("RY_FDDBR") == "是":
        edges.append(edge | {"kind": LEGAL_REPRESENTATIVE, "role": "法定代表人"})
    return edges


_BUILDERS = {SHAREHOLDER: holding_edges, KEY_PERSONNEL: officer_edges}
_SCHEMA: dict[str, Any] = {
    "record_id": pl.Int64,
    "item": pl.String,
    "kind": pl.String,
    "source_key": pl.String,
    "source_kind": pl.String,
    "source_name": pl.String,
    "source_masked": pl.String,
    "source_id_enc": pl.String,
    "target_key": pl.String,
    "target_id": pl.Int64,
    "ratio": pl.Float64,
    "subscribed_wan": pl.Decimal(20, 6),
    "paid_wan": pl.Decimal(20, 6),
    "method": pl.String,
    "role": pl.String,
    "controls": pl.Boolean,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
}


def _rows(session: Session, condition: ColumnElement[bool]) -> Iterator[list[Any]]:
    """Records of the edge items matching ``condition`` that have no edges yet, in chunks:
    their ids in one pass, then each chunk by primary key."""
    ids = session.execute(
        select(Record.id).where(
            condition,
            Record.item.in_(EDGE_ITEMS),
            ~exists().where(GraphEdge.record_id == Record.id),
        )
    ).scalars()
    pending = sorted(ids)
    for start in range(0, len(pending), READ_CHUNK):
        chunk = pending[start : start + READ_CHUNK]
        yield list(
            session.execute(
                select(
                    Record.id,
                    Record.item,
                    Record.subject_id,
                    Record.layout_id,
                    Record.stored_values,
                    Subject.uscc,
                )
                .join(Subject, Subject.id == Record.subject_id)
                .where(among(session, Record.id, chunk, Integer()))
            ).all()
        )


def add_edges(session: Session, condition: ColumnElement[bool]) -> int:
    """Add the edges of the matching records that have none yet; returns how many."""
    person = _Person(get_protector())
    added = 0
    for chunk in _rows(session, condition):
        edges: list[dict[str, Any]] = []
        for row in chunk:
            if not row.uscc:
                continue
            fields = as_dict(layout_codes(session, row.layout_id), row.stored_values)
            edges += _BUILDERS[row.item](person, row.id, row.uscc, row.subject_id, fields)
        if edges:
            insert_frame(session, GraphEdge.__tablename__, pl.DataFrame(edges, schema=_SCHEMA))
        added += len(edges)
    return added


def refresh_batch(session: Session, item: str, batch_id: int) -> int:
    """The edges of a batch's new record versions (nothing for other items)."""
    if item not in EDGE_ITEMS:
        return 0
    return add_edges(session, (Record.batch_id == batch_id) & (Record.item == item))


def refresh_subjects(session: Session, subject_ids: list[int]) -> int:
    """The edges of the given subjects' record versions that have none yet (after records
    saved one at a time)."""
    if not subject_ids:
        return 0
    return add_edges(session, Record.subject_id.in_(subject_ids))


def rebuild(session: Session) -> int:
    """Derive every edge again from the records (in the caller's transaction)."""
    session.execute(delete(GraphEdge))
    return add_edges(session, Record.id > 0)
