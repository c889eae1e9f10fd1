"""Reading what a credit check needs: the subjects asked about and their records in force.

This is the read side of ``xinyong.measures.checks`` and its hot path: the subjects a batch of
checks names by code (USCC or resident ID) are found together with their hits in one
statement, written once as plain SQL that both PostgreSQL and SQLite run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import asyncpg
from sqlalchemy import Date, Integer, String, TextualSelect, bindparam, text
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.db.rows import driver_connection, fetch_named, fetch_named_async, numbered
from xinyong.identifiers.check import check_code
from xinyong.identifiers.resident_id import mask_resident_id
from xinyong.lists.service import list_types
from xinyong.privacy.ids import get_protector
from xinyong.records.public import publicity_period_sql
from xinyong.subjects.models import Subject

DOCUMENT_FIELDS = ("HM_RDWH", "HB_RDWH", "SX_AH", "YC_LRWH", "CF_WSH")
SERIOUS_PENALTY = "严重行政处罚"
NO_KEY = ""  # matches no USCC and no person hash


@dataclass(frozen=True)
class Query:
    """One subject as a caller named it, checked once.

    ``shown`` is what may be echoed and stored (a resident ID only masked); ``key`` is the
    normalised USCC or the person hash when the query is a valid code.
    """

    text: str
    shown: str
    valid_code: bool
    code_kind: str | None = None
    subject_kind: str | None = None
    shown_code: str | None = None
    key: str | None = None


def classify(query: str) -> Query:
    checked = check_code(query)
    if not checked.valid:
        return Query(query, query, False)
    if checked.kind == "resident_id":
        masked = mask_resident_id(checked.normalized)
        digest = get_protector().lookup_hash(checked.normalized)
        return Query(query, masked, True, "resident_id", checked.subject_kind, masked, digest)
    normalized = checked.normalized
    return Query(query, query, True, "uscc", checked.subject_kind, normalized, normalized)


@dataclass(frozen=True)
class Found:
    """The columns of a subject a check shows (read without loading ORM objects)."""

    id: int
    kind: str
    uscc: str | None
    name: str
    person_hash: str | None
    person_id_masked: str | None
    person_id_enc: str | None = None
    hits: list[dict[str, Any]] = field(default_factory=list, compare=False)
    grades: str | None = field(default=None, compare=False)  # "model:grade,..." (evaluation)
    # related parties on a serious list (xinyong.graph.risk), set by the check
    related: list[dict[str, Any]] = field(default_factory=list, compare=False)

    @classmethod
    def of(cls, subject: Subject) -> Found:
        return cls(
            subject.id,
            subject.kind,
            subject.uscc,
            subject.name,
            subject.person_hash,
            subject.person_id_masked,
        )


_SELECT = """
SELECT s.id, s.kind, s.uscc, s.name, s.person_hash, s.person_id_masked,
       r.id AS record_id, r.item, {document} AS document, r.valid_from, r.decision_date,
       r.valid_to, r.department_id, {grades} AS grades
FROM subjects s
LEFT JOIN records r
  ON r.subject_id = s.id AND r.is_current AND r.status = 'active'
 AND {in_period}
 AND ({item_is_list} OR (r.item = 'admin_penalty' AND r.severity = 'serious'))
 AND (r.item <> 'admin_penalty' OR r.severity = 'serious')  -- as ix_records_checkable
LEFT JOIN record_layouts l ON l.id = r.layout_id
WHERE {where}
"""
_TYPES: dict[str, Any] = {
    "id": Integer,
    "kind": String,
    "uscc": String,
    "name": String,
    "person_hash": String,
    "person_id_masked": String,
    "record_id": Integer,
    "item": String,
    "document": String,
    "valid_from": Date,
    "decision_date": Date,
    "valid_to": Date,
    "department_id": Integer,
    "grades": String,
}
# A subject's stored grades, one index probe (evaluation_grades' key leads with the subject).
_GRADES = "(SELECT {agg} FROM evaluation_grades g WHERE g.subject_id = s.id)"


@dataclass(frozen=True)
class _Statement:
    """One lookup written once: for psycopg (arrays), for asyncpg (the same with numbered
    parameters, named in ``async_names``) and for SQLAlchemy (expanding lists)."""

    driver_sql: str
    portable: TextualSelect
    async_sql: str
    async_names: tuple[str, ...]


def _document(field_of: str) -> str:
    """The record's first non-empty document number, read in the database (not its fields):
    ``field_of`` reads one field code from the record's values by its layout's positions."""
    fields = ", ".join(f"NULLIF({field_of.format(name)}, '')" for name in DOCUMENT_FIELDS)
    return f"COALESCE({fields})"


def _statement(**lists: Any) -> _Statement:
    """``lists`` maps a subjects column to the type of the list it is looked up in.

    The psycopg and asyncpg forms serve PostgreSQL, the SQLAlchemy form SQLite (their JSON
    operators differ). A record is in force while inside its publicity period, as the
    public view has it (``xinyong.records.public``)."""
    catalog = get_catalog()
    driver_sql = _SELECT.format(
        document=_document("r.fields ->> ((l.positions ->> '{}')::int)"),
        in_period=publicity_period_sql(catalog, "r", "%(today)s"),
        grades=_GRADES.format(agg="string_agg(g.model || ':' || g.grade, ',')"),
        item_is_list="r.item = ANY(%(list_items)s)",
        where=" OR ".join(f"s.{column} = ANY(%({column})s)" for column in lists),
    )
    portable = (
        text(
            _SELECT.format(
                document=_document(
                    "json_extract(r.fields, '$[' || json_extract(l.positions, '$.{}') || ']')"
                ),
                in_period=publicity_period_sql(catalog, "r", ":today"),
                grades=_GRADES.format(agg="group_concat(g.model || ':' || g.grade, ',')"),
                item_is_list="r.item IN :list_items",
                where=" OR ".join(f"s.{column} IN :{column}" for column in lists),
            )
        )
        .bindparams(
            bindparam("today", type_=Date),
            bindparam("list_items", expanding=True, type_=String),
            *(bindparam(name, expanding=True, type_=kind) for name, kind in lists.items()),
        )
        .columns(**_TYPES)
    )
    return _Statement(driver_sql, portable, *numbered(driver_sql))


@lru_cache(maxsize=1)
def _by_code() -> _Statement:
    return _statement(uscc=String, person_hash=String)


@lru_cache(maxsize=1)
def _by_id() -> _Statement:
    return _statement(id=Integer)


@lru_cache(maxsize=1)
def list_of_item() -> dict[str, str]:
    """List type code by the catalog item its entries are kept in."""
    return {kind.item: code for code, kind in list_types().items()}


def _code_lists(queries: Iterable[Query]) -> dict[str, list[Any]] | None:
    """The USCC and person-hash lists to look up, or None when no query is a valid code."""
    usccs = sorted({q.key for q in queries if q.code_kind == "uscc" and q.key})
    hashes = sorted({q.key for q in queries if q.code_kind == "resident_id" and q.key})
    if not usccs and not hashes:
        return None
    # An empty IN list would be rendered as a subquery that makes PostgreSQL scan every
    # subject; a key no subject has keeps both sides index lookups.
    return {"uscc": usccs or [NO_KEY], "person_hash": hashes or [NO_KEY]}


def _by_key(found: dict[int, Found]) -> dict[str, Found]:
    keyed = {}
    for subject in found.values():
        keyed[subject.uscc or ""] = subject
        keyed[subject.person_hash or ""] = subject
    keyed.pop("", None)
    return keyed


def by_code(session: Session, queries: Iterable[Query], today: date) -> dict[str, Found]:
    """Subjects (with their hits) by the ``key`` of each valid-code query that names one."""
    lists = _code_lists(queries)
    return _by_key(_run(session, _by_code(), today, **lists)) if lists else {}


def by_id(session: Session, ids: Iterable[int], today: date) -> dict[int, Found]:
    """Subjects (with their hits) by id."""
    wanted = sorted(set(ids))
    return _run(session, _by_id(), today, id=wanted) if wanted else {}


async def by_code_async(
    connection: asyncpg.Connection, queries: Iterable[Query], today: date
) -> dict[str, Found]:
    """``by_code`` on an asyncpg connection (PostgreSQL)."""
    lists = _code_lists(queries)
    return _by_key(await _run_async(connection, _by_code(), today, lists)) if lists else {}


async def by_id_async(
    connection: asyncpg.Connection, ids: Iterable[int], today: date
) -> dict[int, Found]:
    """``by_id`` on an asyncpg connection (PostgreSQL)."""
    wanted = sorted(set(ids))
    return await _run_async(connection, _by_id(), today, {"id": wanted}) if wanted else {}


async def _run_async(
    connection: asyncpg.Connection,
    statement: _Statement,
    today: date,
    lists: dict[str, list[Any]],
) -> dict[int, Found]:
    params = _params(today, lists)
    args = [params[name] for name in statement.async_names]
    return _collect(await fetch_named_async(connection, statement.async_sql, args))


def _params(today: date, lists: dict[str, list[Any]]) -> dict[str, Any]:
    return {"today": today, "list_items": sorted(list_of_item()), **lists}


def _run(
    session: Session, statement: _Statement, today: date, **lists: list[Any]
) -> dict[int, Found]:
    params = _params(today, lists)
    driver = driver_connection(session)
    rows: Iterable[Any] = (
        fetch_named(driver, statement.driver_sql, params)
        if driver is not None
        else session.connection().execute(statement.portable, params)
    )
    return _collect(rows)


def _collect(rows: Iterable[Any]) -> dict[int, Found]:
    """Subjects from lookup rows (one row per hit, or one with no record for a clean subject)."""
    found: dict[int, Found] = {}
    for row in rows:
        subject = found.get(row.id)
        if subject is None:
            subject = found[row.id] = Found(
                row.id,
                row.kind,
                row.uscc,
                row.name,
                row.person_hash,
                row.person_id_masked,
                grades=row.grades,
            )
        if row.record_id is not None:
            subject.hits.append(_hit(row))
    for subject in found.values():
        subject.hits.sort(key=lambda hit: hit["record_id"])
    return found


def _hit(row: Any) -> dict[str, Any]:
    list_code = list_of_item().get(row.item)
    since = row.valid_from or row.decision_date
    return {
        "record_id": row.record_id,
        "item": row.item,
        "list_type": list_code,
        "list_name": list_types()[list_code].name if list_code else SERIOUS_PENALTY,
        "document": row.document,
        "since": since.isoformat() if since else None,
        "until": row.valid_to.isoformat() if row.valid_to else None,
        "department_id": row.department_id,
    }
