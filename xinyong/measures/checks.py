"""The credit check embedded in other systems ("办事先查信用").

For each subject: resolve it (USCC, resident ID or exact name — never a guess), collect the
records behind the answer (list entries in force, serious penalties in publicity), apply the
measures the matter maps to, and advise ``restrict``, ``incentivise``, ``note`` or ``clear``.
Every check is stored and audited with caller, purpose and answer.

Checks are answered in batches (``answer_checks``): the subjects named by code in all the
requests of a batch are found with one query and their hits with another, and the batch's
check rows and audit entries are written together. The API serves concurrent callers through
``check_service``, which groups them into such batches with one commit each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, insert, or_, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, Event, append_events
from xinyong.db.batcher import GroupCommit
from xinyong.identifiers.check import check_code
from xinyong.identifiers.resident_id import mask_resident_id
from xinyong.lists.service import list_types
from xinyong.measures.models import CreditCheck
from xinyong.measures.registry import Measure, measure_book
from xinyong.privacy.ids import get_protector
from xinyong.records.models import Record
from xinyong.subjects.models import Subject
from xinyong.subjects.service import find_subject, search_subjects, subject_ref
from xinyong.subjects.views import Audience, shown_code

MAX_SUBJECTS = 100
DOCUMENT_FIELDS = ("HM_RDWH", "HB_RDWH", "SX_AH", "YC_LRWH", "CF_WSH")
SERIOUS_PENALTY = "严重行政处罚"


class CheckError(ValueError):
    """A check request that cannot be answered; the message is in Chinese."""


@dataclass(frozen=True)
class CheckRequest:
    """A validated check: who asks, about whom, for which matter and purpose, as of when."""

    actor: Actor
    department_id: int | None
    subjects: tuple[str, ...]
    matter: str
    purpose: str
    today: date


def check_request(
    actor: Actor,
    department_id: int | None,
    subjects: list[str],
    matter: str,
    purpose: str,
    today: date,
) -> CheckRequest:
    if matter not in measure_book().matters:
        raise CheckError(f"事项编码“{matter}”不存在，可用 GET /api/v1/matters 查询")
    if not purpose or not purpose.strip():
        raise CheckError("请说明核查用途（purpose）")
    cleaned = tuple(s.strip() for s in subjects if s and s.strip())
    if not cleaned or len(cleaned) > MAX_SUBJECTS:
        raise CheckError(f"每次核查1至{MAX_SUBJECTS}个主体；更多请使用批量核查")
    return CheckRequest(actor, department_id, cleaned, matter, purpose.strip(), today)


@lru_cache(maxsize=1)
def _list_of_item() -> dict[str, str]:
    return {kind.item: code for code, kind in list_types().items()}


def resolve(session: Session, query: str) -> tuple[Subject | None, list[Subject]]:
    """The subject a query names exactly, or candidates when it does not."""
    found = find_subject(session, query)
    if found is not None:
        return found, []
    exact = list(session.execute(select(Subject).where(Subject.name == query.strip())).scalars())
    if len(exact) == 1:
        return exact[0], []
    if exact:
        return None, exact[:5]
    try:
        candidates, _ = search_subjects(session, query, include_persons=False, limit=5)
    except ValueError:
        candidates = []
    return None, candidates


def _by_code(session: Session, queries: Iterable[str]) -> dict[str, Subject | None]:
    """Queries that are valid USCCs or resident IDs, each with its subject (None if unknown).

    One query finds them all; other queries (names, references) are left to ``resolve``.
    """
    protector = get_protector()
    usccs: dict[str, str] = {}
    hashes: dict[str, str] = {}
    for query in set(queries):
        checked = check_code(query)
        if not checked.valid:
            continue
        if checked.kind == "resident_id":
            hashes[query] = protector.lookup_hash(checked.normalized)
        else:
            usccs[query] = checked.normalized
    if not usccs and not hashes:
        return {}
    found = session.execute(
        select(Subject).where(
            or_(
                Subject.uscc.in_(set(usccs.values())), Subject.person_hash.in_(set(hashes.values()))
            )
        )
    ).scalars()
    by_key: dict[str | None, Subject] = {}
    for subject in found:
        by_key[subject.uscc] = subject
        by_key[subject.person_hash] = subject
    keys = usccs | hashes
    return {query: by_key.get(key) for query, key in keys.items()}


def _hits(session: Session, subject_ids: set[int], today: date) -> dict[int, list[dict[str, Any]]]:
    """Each subject's records behind a check: list entries in force, serious penalties."""
    list_of = _list_of_item()
    rows = session.execute(
        select(
            Record.id,
            Record.subject_id,
            Record.item,
            Record.fields,
            Record.valid_from,
            Record.decision_date,
            Record.valid_to,
            Record.department_id,
        ).where(
            Record.subject_id.in_(subject_ids),
            Record.is_current.is_(True),
            Record.status == "active",
            or_(Record.publicity_end.is_(None), Record.publicity_end > today),
            or_(
                Record.item.in_(list(list_of)),
                (Record.item == "admin_penalty") & (Record.severity == "serious"),
            ),
        )
    )
    hits: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        list_code = list_of.get(row.item)
        since = row.valid_from or row.decision_date
        hits.setdefault(row.subject_id, []).append(
            {
                "record_id": row.id,
                "item": row.item,
                "list_type": list_code,
                "list_name": list_types()[list_code].name if list_code else SERIOUS_PENALTY,
                "document": next(
                    (row.fields[f] for f in DOCUMENT_FIELDS if row.fields.get(f)), None
                ),
                "since": since.isoformat() if since else None,
                "until": row.valid_to.isoformat() if row.valid_to else None,
                "department_id": row.department_id,
            }
        )
    for found in hits.values():
        found.sort(key=lambda hit: hit["record_id"])
    return hits


def _measure_view(measure: Measure, because: list[int]) -> dict[str, Any]:
    assert measure.legal_basis is not None
    return {
        "code": measure.code,
        "name": measure.name,
        "kind": measure.kind,
        "legal_basis": measure.legal_basis.cite(),
        "department": "、".join(measure.departments),
        "because_of_records": because,
    }


def advise(hits: list[dict[str, Any]], matter: str) -> tuple[str, list[dict[str, Any]]]:
    applied = []
    for measure in measure_book().for_matter(matter):
        because = [h["record_id"] for h in hits if h["list_type"] in measure.triggers.lists]
        if because:
            applied.append(_measure_view(measure, because))
    kinds = {m["kind"] for m in applied}
    if "punishment" in kinds:
        return "restrict", [m for m in applied if m["kind"] == "punishment"]
    if "incentive" in kinds:
        return "incentivise", applied
    return ("note" if hits else "clear"), []


def safe_query(query: str) -> str:
    """What is echoed and stored of a query: resident ID numbers only masked."""
    checked = check_code(query)
    if checked.kind == "resident_id" and checked.valid:
        return mask_resident_id(checked.normalized)
    return query


def _unknown_code(query: str) -> dict[str, Any]:
    """A valid code the platform holds nothing about: no record, so nothing to restrict."""
    checked = check_code(query)
    shown = (
        mask_resident_id(checked.normalized)
        if checked.kind == "resident_id"
        else (checked.normalized)
    )
    return {
        "subject": safe_query(query),
        "advice": "clear",
        "resolved": {"code": shown, "name": None, "ref": None, "kind": checked.subject_kind},
        "candidates": [],
        "explanation": "代码有效，平台未收录该主体的任何信用记录",
        "hits": [],
        "measures": [],
    }


def _not_unique(query: str, candidates: list[Subject]) -> dict[str, Any]:
    return {
        "subject": safe_query(query),
        "advice": "note",
        "resolved": None,
        "candidates": [
            {"code": shown_code(c, Audience.public), "name": c.name, "ref": subject_ref(c)}
            for c in candidates
        ],
        "explanation": "未能唯一确定主体：请使用统一社会信用代码、身份证号码或完整名称",
        "hits": [],
        "measures": [],
    }


def _answer(
    query: str, subject: Subject, hits: list[dict[str, Any]], matter: str
) -> dict[str, Any]:
    advice, measures = advise(hits, matter)
    return {
        "subject": safe_query(query),
        "advice": advice,
        "resolved": {
            "code": shown_code(subject, Audience.public),
            "name": subject.name,
            "ref": subject_ref(subject),
            "kind": subject.kind,
        },
        "candidates": [],
        "explanation": _explain(advice, hits, measures),
        "hits": hits,
        "measures": measures,
    }


def _explain(advice: str, hits: list[dict[str, Any]], measures: list[dict[str, Any]]) -> str:
    if advice == "clear":
        return "未发现在有效期内的名单记录或严重失信记录"
    names = "、".join(h["list_name"] for h in hits)
    if advice == "note":
        return f"存在{names}，但本事项无对应的奖惩措施，请结合实际审慎办理"
    actions = "、".join(m["name"] for m in measures)
    return f"因{names}，本事项应实施：{actions}"


@dataclass
class _Resolution:
    subject: Subject | None = None
    candidates: tuple[Subject, ...] = ()
    unknown_code: bool = False


def _resolve_all(session: Session, queries: set[str]) -> dict[str, _Resolution]:
    by_code = _by_code(session, queries)
    resolved = {}
    for query in queries:
        if query in by_code:
            subject = by_code[query]
            resolved[query] = _Resolution(subject, unknown_code=subject is None)
            continue
        subject, candidates = resolve(session, query)
        unknown = subject is None and check_code(query).valid
        resolved[query] = _Resolution(subject, tuple(candidates), unknown)
    return resolved


def answer_checks(session: Session, requests: list[CheckRequest]) -> list[dict[str, Any]]:
    """Answer, store and audit a batch of checks in the session's transaction."""
    resolved = _resolve_all(session, {q for r in requests for q in r.subjects})
    hits: dict[date, dict[int, list[dict[str, Any]]]] = {}
    for when in {r.today for r in requests}:
        ids = {
            res.subject.id
            for r in requests
            if r.today == when
            for q in r.subjects
            if (res := resolved[q]).subject is not None
        }
        hits[when] = _hits(session, ids, when) if ids else {}
    answers = []
    for request in requests:
        results = []
        for query in request.subjects:
            res = resolved[query]
            if res.unknown_code:
                results.append(_unknown_code(query))
            elif res.subject is None:
                results.append(_not_unique(query, list(res.candidates)))
            else:
                found = hits[request.today].get(res.subject.id, [])
                results.append(_answer(query, res.subject, found, request.matter))
        answers.append({"check_id": uuid.uuid4().hex, "matter": request.matter, "results": results})
    _store(session, requests, answers)
    return answers


def _store(session: Session, requests: list[CheckRequest], answers: list[dict[str, Any]]) -> None:
    rows = [
        {
            "id": answer["check_id"],
            "caller": request.actor.name,
            "department_id": request.department_id,
            "matter": request.matter,
            "purpose": request.purpose,
            "subjects": [safe_query(q) for q in request.subjects],
            "hits": sum(len(r["hits"]) for r in answer["results"]),
            "answer": answer,
        }
        for request, answer in zip(requests, answers, strict=True)
    ]
    session.execute(insert(CreditCheck), rows)
    append_events(
        session,
        [
            Event(
                request.actor,
                "check.run",
                "credit_check",
                answer["check_id"],
                purpose=request.purpose,
                detail={
                    "matter": request.matter,
                    "subjects": len(request.subjects),
                    "advice": [r["advice"] for r in answer["results"]],
                },
            )
            for request, answer in zip(requests, answers, strict=True)
        ],
    )


def run_check(
    session: Session,
    actor: Actor,
    department_id: int | None,
    subjects: list[str],
    matter: str,
    purpose: str,
    today: date,
) -> dict[str, Any]:
    """Answer one check in the session's transaction (the caller commits)."""
    request = check_request(actor, department_id, subjects, matter, purpose, today)
    return answer_checks(session, [request])[0]


_services: dict[str, GroupCommit[CheckRequest, dict[str, Any]]] = {}


def check_service(engine: Engine) -> GroupCommit[CheckRequest, dict[str, Any]]:
    """The group-committing check service for ``engine`` (one worker thread, started on use)."""
    key = engine.url.render_as_string(hide_password=False)
    service = _services.get(key)
    if service is None or service.engine is not engine:
        service = GroupCommit(engine, answer_checks, max_batch=64, name="credit-checks")
        _services[key] = service
    return service
