"""The control analysis as Beneficial Ownership Data Standard 0.4 statements (BODS JSON).

``xinyong graph control --format bods`` writes one JSON array: an entity statement for every
organisation, a person statement for every natural person (named, identified only by the
platform's irreversible ``P…`` reference: no ID number, whole or masked), then relationship
statements: every direct holding in force (its share, an executive partner's control), and
for each company the indirect interests of its actual controller and of the natural persons
whose penetrated share reaches the 25% beneficial-owner threshold (``xinyong.graph.control``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.graph.batch import holdings_and_stakes, results
from xinyong.graph.build import NAME_PREFIX, PERSON_PREFIX
from xinyong.graph.control import BENEFICIAL_THRESHOLD, EPSILON, ControlResult, Stake
from xinyong.graph.models import GraphEdge
from xinyong.graph.query import Edge, GraphView
from xinyong.graph.service import public_id
from xinyong.subjects.models import Subject
from xinyong.subjects.service import NATURAL_PERSON

BODS_VERSION = "0.4"
USCC_SCHEME = "统一社会信用代码"
PERSON_SCHEME = "信用平台自然人引用（由身份证号码密钥散列得出，不可逆）"
EXECUTIVE_PARTNER = "执行事务合伙人，执行合伙事务"


def _statement_id(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class _Writer:
    def __init__(self, view: GraphView, publisher: str, published: date) -> None:
        self.common = {
            "statementDate": view.as_of.isoformat(),
            "publicationDetails": {
                "publicationDate": published.isoformat(),
                "bodsVersion": BODS_VERSION,
                "publisher": {"name": publisher},
            },
        }

    def statement(
        self, record_id: str, record_type: str, subject: str, details: dict[str, Any]
    ) -> dict[str, Any]:
        body = {
            "declarationSubject": subject,
            **self.common,
            "recordId": record_id,
            "recordType": record_type,
            "recordStatus": "new",
            "recordDetails": {"isComponent": False, **details},
        }
        return {"statementId": _statement_id(body), **body}


def _is_person(key: str, kinds: dict[str, str]) -> bool:
    return key.startswith(PERSON_PREFIX) or kinds.get(key) == NATURAL_PERSON


def _party(writer: _Writer, key: str, name: str, kinds: dict[str, str]) -> dict[str, Any]:
    ref = public_id(key)
    if _is_person(key, kinds):
        identifiers = (
            [{"id": ref, "schemeName": PERSON_SCHEME}] if key.startswith(PERSON_PREFIX) else []
        )
        details: dict[str, Any] = {
            "personType": "knownPerson",
            "names": [{"type": "legal", "fullName": name}],
            "identifiers": identifiers,
        }
        return writer.statement(ref, "person", ref, details)
    entity: dict[str, Any] = {
        "entityType": {"type": "registeredEntity"},
        "name": name,
        "identifiers": []
        if key.startswith(NAME_PREFIX)
        else [{"id": key, "schemeName": USCC_SCHEME}],
    }
    return writer.statement(ref, "entity", ref, entity)


def _percent(share: float) -> float:
    return round(share * 100, 6)


def _direct(writer: _Writer, stake: Stake, start: date | None, owner: bool) -> dict[str, Any]:
    interests: list[dict[str, Any]] = [
        {
            "type": "shareholding",
            "directOrIndirect": "direct",
            "beneficialOwnershipOrControl": owner,
            "share": {"exact": _percent(stake.ratio)},
            **({"startDate": start.isoformat()} if start else {}),
        }
    ]
    if stake.controls:
        interests.append(
            {
                "type": "otherInfluenceOrControl",
                "directOrIndirect": "direct",
                "beneficialOwnershipOrControl": owner,
                "details": EXECUTIVE_PARTNER,
            }
        )
    subject, party = public_id(stake.target), public_id(stake.holder)
    return writer.statement(
        f"{party}>{subject}",
        "relationship",
        subject,
        {"subject": subject, "interestedParty": party, "interests": interests},
    )


def _indirect(
    writer: _Writer, result: ControlResult, kinds: dict[str, str], direct: set[tuple[str, str]]
) -> Iterator[dict[str, Any]]:
    c = result.controller
    owners = {
        h.key: h
        for h in result.holders
        if _is_person(h.key, kinds) and h.share >= BENEFICIAL_THRESHOLD - EPSILON
    }
    parties = {h.key for h in owners.values()} | ({c.key} if c else set())
    subject = public_id(result.target)
    for key in sorted(parties):
        holder = next((h for h in result.holders if h.key == key), None)
        share = holder.share if holder else (c.share if c else 0.0)
        if (key, result.target) in direct and holder and holder.share - holder.direct < EPSILON:
            continue  # all of it is the direct holding already stated
        interests: list[dict[str, Any]] = [
            {
                "type": "shareholding",
                "directOrIndirect": "indirect",
                "beneficialOwnershipOrControl": _is_person(key, kinds),
                "share": {"exact": _percent(share)},
            }
        ]
        if c is not None and c.key == key:
            interests.append(
                {
                    "type": "votingRights"
                    if c.basis != "general_partner"
                    else "otherInfluenceOrControl",
                    "directOrIndirect": "indirect",
                    "beneficialOwnershipOrControl": _is_person(key, kinds),
                    **(
                        {"share": {"exact": _percent(c.votes)}}
                        if c.basis != "general_partner"
                        else {}
                    ),
                    "details": "实际控制人：" + result.reason,
                }
            )
        party = public_id(key)
        yield writer.statement(
            f"{party}>>{subject}",
            "relationship",
            subject,
            {"subject": subject, "interestedParty": party, "interests": interests},
        )


def _names(session: Session, edges: list[Edge]) -> tuple[dict[str, str], dict[str, str]]:
    names = {e.source: e.source_name for e in edges}
    kinds = {e.source: e.source_kind for e in edges}
    rows = session.execute(
        select(GraphEdge.target_key, Subject.name, Subject.kind)
        .join(Subject, Subject.id == GraphEdge.target_id)
        .distinct()
    ).all()
    for key, name, kind in rows:
        names[key] = name
        kinds.setdefault(key, kind)
    return names, kinds


def statements(
    session: Session, view: GraphView, publisher: str, published: date
) -> Iterator[dict[str, Any]]:
    """Every BODS statement of the graph ``view`` sees, parties first."""
    writer = _Writer(view, publisher, published)
    edges, holders_of = holdings_and_stakes(session, view)
    names, kinds = _names(session, edges)
    keys = {e.source for e in edges} | {e.target for e in edges}
    for key in sorted(keys):
        yield _party(writer, key, names.get(key, key), kinds)
    starts: dict[tuple[str, str], date] = {}
    for e in edges:
        if e.valid_from and (e.source, e.target) not in starts:
            starts[(e.source, e.target)] = e.valid_from
    direct = set()
    for target in sorted(holders_of):
        for holder, stake in sorted(holders_of[target].items()):
            direct.add((holder, target))
            owner = _is_person(holder, kinds) and stake.ratio >= BENEFICIAL_THRESHOLD - EPSILON
            yield _direct(writer, stake, starts.get((holder, target)), owner)
    for result in results(holders_of):
        yield from _indirect(writer, result, kinds, direct)
