"""The credit check embedded in other systems ("办事先查信用").

For each subject: resolve it (USCC, resident ID or exact name — never a guess), collect the
records behind the answer (list entries in force, serious penalties in publicity), apply the
measures the matter maps to, and advise ``restrict``, ``incentivise``, ``note`` or ``clear``.
Every check is stored and audited with caller, purpose and answer.

Checks are answered in batches (``answer_checks``, and ``answer_checks_async`` for the
API on PostgreSQL): the subjects named by code in all the requests of a batch are found
with their hits in one statement (``xinyong.measures.lookup``), and the batch's check rows
and audit entries are written together. ``xinyong.measures.service`` groups concurrent API
callers into such batches, one commit each.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import asyncpg
from sqlalchemy import Engine, Table, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, Event, append_events, write_with_events
from xinyong.clock import utcnow
from xinyong.db.engine import session_factory
from xinyong.db.rows import insert_rows
from xinyong.graph.risk import related_risks, related_risks_async, with_company_name
from xinyong.measures.lookup import (
    Found,
    Query,
    by_code,
    by_code_async,
    by_id,
    by_id_async,
    classify,
)
from xinyong.measures.models import CreditCheck
from xinyong.measures.registry import Measure, measure_book
from xinyong.permissions import PermissionDenied, authorize, is_market
from xinyong.subjects.models import Subject
from xinyong.subjects.service import find_subject, names_person, search_subjects, subject_ref
from xinyong.subjects.views import Audience, shown_code

MAX_SUBJECTS = 100


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
    authorize(actor, "check.run")
    if matter not in measure_book().matters:
        raise CheckError(f"事项编码“{matter}”不存在，可用 GET /api/v1/matters 查询")
    if not purpose or not purpose.strip():
        raise CheckError("请说明核查用途（purpose）")
    cleaned = tuple(s.strip() for s in subjects if s and s.strip())
    if not cleaned or len(cleaned) > MAX_SUBJECTS:
        raise CheckError(f"每次核查1至{MAX_SUBJECTS}个主体；更多请使用批量核查")
    if is_market(actor) and any(names_person(s) for s in cleaned):
        # A bank reads a natural person only through the person's authorisation.
        raise PermissionDenied(
            "金融机构和信用服务机构须经本人授权方可查询自然人，不能核查身份证号码"
        )
    return CheckRequest(actor, department_id, cleaned, matter, purpose.strip(), today)


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


def _measure_view(
    measure: Measure, because: list[int], grades: list[dict[str, str]]
) -> dict[str, Any]:
    assert measure.legal_basis is not None
    view = {
        "code": measure.code,
        "name": measure.name,
        "kind": measure.kind,
        "legal_basis": measure.legal_basis.cite(),
        "department": "、".join(measure.departments),
        "because_of_records": because,
    }
    if grades:
        view["because_of_grades"] = grades
    return view


def grades_of(text: str | None) -> list[dict[str, str]]:
    """The stored grades the lookup read (``model:grade,...``), by model."""
    pairs = sorted(part.split(":", 1) for part in text.split(",")) if text else []
    return [{"model": model, "grade": grade} for model, grade in pairs]


def advise(
    hits: list[dict[str, Any]], matter: str, grades: list[dict[str, str]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    applied = []
    for measure in measure_book().for_matter(matter):
        because = [h["record_id"] for h in hits if h["list_type"] in measure.triggers.lists]
        by_grade = [
            g for g in grades or () if g["grade"] in measure.triggers.grades.get(g["model"], ())
        ]
        if because or by_grade:
            applied.append(_measure_view(measure, because, by_grade))
    kinds = {m["kind"] for m in applied}
    if "punishment" in kinds:
        return "restrict", [m for m in applied if m["kind"] == "punishment"]
    if "incentive" in kinds:
        return "incentivise", applied
    return ("note" if hits else "clear"), []


def _unknown_code(query: Query) -> dict[str, Any]:
    """A valid code the platform holds nothing about: no record, so nothing to restrict."""
    return {
        "subject": query.shown,
        "advice": "clear",
        "resolved": {
            "code": query.shown_code,
            "name": None,
            "ref": None,
            "kind": query.subject_kind,
        },
        "candidates": [],
        "explanation": "代码有效，平台未收录该主体的任何信用记录",
        "hits": [],
        "grades": [],
        "measures": [],
        "related_risks": [],
    }


def _not_unique(query: Query, candidates: tuple[Found, ...]) -> dict[str, Any]:
    return {
        "subject": query.shown,
        "advice": "note",
        "resolved": None,
        "candidates": [
            {"code": shown_code(c, Audience.public), "name": c.name, "ref": subject_ref(c)}
            for c in candidates
        ],
        "explanation": "未能唯一确定主体：请使用统一社会信用代码、身份证号码或完整名称",
        "hits": [],
        "grades": [],
        "measures": [],
        "related_risks": [],
    }


def _answer(query: Query, subject: Found, matter: str) -> dict[str, Any]:
    grades = grades_of(subject.grades)
    advice, measures = advise(subject.hits, matter, grades)
    return {
        "subject": query.shown,
        "advice": advice,
        "resolved": {
            "code": shown_code(subject, Audience.public),
            "name": subject.name,
            "ref": subject_ref(subject),
            "kind": subject.kind,
        },
        "candidates": [],
        "explanation": _explain(advice, subject.hits, measures),
        "hits": subject.hits,
        "grades": grades,
        "measures": measures,
        "related_risks": with_company_name(subject.related, subject.name),
    }


def _explain(advice: str, hits: list[dict[str, Any]], measures: list[dict[str, Any]]) -> str:
    if advice == "clear":
        return "未发现在有效期内的名单记录或严重失信记录"
    graded = {
        f"信用评价{g['grade']}级（{g['model']}）"
        for m in measures
        for g in m.get("because_of_grades", ())
    }
    names = "、".join([h["list_name"] for h in hits] + sorted(graded))
    if advice == "note":
        return f"存在{names}，但本事项无对应的奖惩措施，请结合实际审慎办理"
    actions = "、".join(m["name"] for m in measures)
    return f"因{names}，本事项应实施：{actions}"


@dataclass(frozen=True)
class _Resolution:
    subject: Found | None = None
    candidates: tuple[Found, ...] = ()


def _resolve_by_name(session: Session, query: Query) -> _Resolution:
    named, candidates = resolve(session, query.text)
    return _Resolution(Found.of(named) if named else None, tuple(Found.of(c) for c in candidates))


def _resolve_all(
    session: Session, queries: dict[str, Query], today: date
) -> dict[str, _Resolution]:
    """Every query's subject with its hits as of ``today``, or its candidates."""
    coded = by_code(session, queries.values(), today)
    named = _resolve_names(session, queries)
    missing = _missing_hits(coded, named)
    resolved = _combine(queries, coded, named, by_id(session, missing, today))
    _attach_risks(resolved, related_risks(session, _companies(resolved), today))
    return resolved


async def _resolve_all_async(
    connection: asyncpg.Connection, engine: Engine, queries: dict[str, Query], today: date
) -> dict[str, _Resolution]:
    """``_resolve_all`` for the async service: codes on ``connection``; names (rare, and
    served by the ORM search) in a thread with their own session."""
    coded = await by_code_async(connection, queries.values(), today)
    named: dict[str, _Resolution] = {}
    if any(not q.valid_code for q in queries.values()):
        named = await asyncio.to_thread(_resolve_names_in_session, engine, queries)
    missing = _missing_hits(coded, named)
    resolved = _combine(queries, coded, named, await by_id_async(connection, missing, today))
    _attach_risks(resolved, await related_risks_async(connection, _companies(resolved), today))
    return resolved


def _companies(resolved: dict[str, _Resolution]) -> set[str]:
    return {r.subject.uscc for r in resolved.values() if r.subject and r.subject.uscc}


def _attach_risks(resolved: dict[str, _Resolution], risks: dict[str, list[dict[str, Any]]]) -> None:
    """Each resolved company's related risks (one list per subject, however often named)."""
    for res in {id(r.subject): r.subject for r in resolved.values() if r.subject}.values():
        if res.uscc in risks and not res.related:
            res.related.extend(risks[res.uscc])


def _resolve_names(session: Session, queries: dict[str, Query]) -> dict[str, _Resolution]:
    return {
        text: _resolve_by_name(session, query)
        for text, query in queries.items()
        if not query.valid_code
    }


def _resolve_names_in_session(engine: Engine, queries: dict[str, Query]) -> dict[str, _Resolution]:
    with session_factory(engine)() as session:
        return _resolve_names(session, queries)


def _missing_hits(coded: dict[str, Found], named: dict[str, _Resolution]) -> set[int]:
    """Subjects found by name whose hits the code lookup did not already bring."""
    have = {found.id for found in coded.values()}
    return {r.subject.id for r in named.values() if r.subject} - have


def _combine(
    queries: dict[str, Query],
    coded: dict[str, Found],
    named: dict[str, _Resolution],
    by_id_found: dict[int, Found],
) -> dict[str, _Resolution]:
    with_hits = {found.id: found for found in coded.values()} | by_id_found
    resolved = {}
    for text, query in queries.items():
        res = _Resolution(coded.get(query.key or "")) if query.valid_code else named[text]
        resolved[text] = _Resolution(with_hits[res.subject.id]) if res.subject else res
    return resolved


def _results(
    request: CheckRequest, queries: dict[str, Query], resolved: dict[str, _Resolution]
) -> list[dict[str, Any]]:
    results = []
    for text in request.subjects:
        query, res = queries[text], resolved[text]
        if res.subject is not None:
            results.append(_answer(query, res.subject, request.matter))
        elif query.valid_code:
            results.append(_unknown_code(query))
        else:
            results.append(_not_unique(query, res.candidates))
    return results


def answer_checks(session: Session, requests: list[CheckRequest]) -> list[dict[str, Any]]:
    """Answer, store and audit a batch of checks in the session's transaction."""
    queries = _classify(requests)
    by_day = {day: _resolve_all(session, queries, day) for day in {r.today for r in requests}}
    answers = _answers(requests, queries, by_day)
    insert_rows(session, _CHECKS, _check_rows(requests, queries, answers))
    append_events(session, _check_events(requests, answers))
    return answers


async def answer_checks_async(
    connection: asyncpg.Connection, requests: list[CheckRequest], engine: Engine
) -> list[dict[str, Any]]:
    """``answer_checks`` on an asyncpg connection outside a transaction (PostgreSQL): the
    reads run on their own, then the check rows and audit entries commit together."""
    queries = _classify(requests)
    by_day = {
        day: await _resolve_all_async(connection, engine, queries, day)
        for day in {r.today for r in requests}
    }
    answers = _answers(requests, queries, by_day)
    await write_with_events(
        connection,
        _check_events(requests, answers),
        [(_CHECKS, _check_rows(requests, queries, answers))],
    )
    return answers


def _classify(requests: list[CheckRequest]) -> dict[str, Query]:
    return {text: classify(text) for r in requests for text in r.subjects}


def _answers(
    requests: list[CheckRequest],
    queries: dict[str, Query],
    by_day: dict[date, dict[str, _Resolution]],
) -> list[dict[str, Any]]:
    return [
        {
            "check_id": uuid.uuid4().hex,
            "matter": request.matter,
            "results": _results(request, queries, by_day[request.today]),
        }
        for request in requests
    ]


_CHECKS = cast(Table, CreditCheck.__table__)


def _check_rows(
    requests: list[CheckRequest], queries: dict[str, Query], answers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "id": answer["check_id"],
            "caller": request.actor.name,
            "department_id": request.department_id,
            "matter": request.matter,
            "purpose": request.purpose,
            "subjects": [queries[q].shown for q in request.subjects],
            "hits": sum(len(r["hits"]) for r in answer["results"]),
            "answer": answer,
            "created_at": now,
        }
        for request, answer in zip(requests, answers, strict=True)
    ]


def _check_events(requests: list[CheckRequest], answers: list[dict[str, Any]]) -> list[Event]:
    return [
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
    ]


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
