"""The credit check embedded in other systems ("办事先查信用").

For each subject: resolve it (USCC, resident ID or exact name — never a guess), collect the
records behind the answer (list entries in force, serious penalties in publicity), apply the
measures the matter maps to, and advise ``restrict``, ``incentivise``, ``note`` or ``clear``.
Every check is stored and audited with caller, purpose and answer.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.identifiers.check import check_code
from xinyong.identifiers.resident_id import mask_resident_id
from xinyong.lists.service import list_types
from xinyong.measures.models import CreditCheck
from xinyong.measures.registry import Measure, measure_book
from xinyong.records.models import Record
from xinyong.subjects.models import Subject
from xinyong.subjects.service import find_subject, search_subjects, subject_ref
from xinyong.subjects.views import Audience, shown_code

MAX_SUBJECTS = 100
DOCUMENT_FIELDS = ("HM_RDWH", "HB_RDWH", "SX_AH", "YC_LRWH", "CF_WSH")


class CheckError(ValueError):
    """A check request that cannot be answered; the message is in Chinese."""


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


def _hits(session: Session, subject: Subject, today: date) -> list[dict[str, Any]]:
    list_of = _list_of_item()
    rows = session.execute(
        select(Record).where(
            Record.subject_id == subject.id,
            Record.is_current.is_(True),
            Record.status == "active",
            or_(Record.publicity_end.is_(None), Record.publicity_end > today),
            or_(
                Record.item.in_(list(list_of)),
                (Record.item == "admin_penalty") & (Record.severity == "serious"),
            ),
        )
    ).scalars()
    hits = []
    for record in rows:
        document = next((record.fields[f] for f in DOCUMENT_FIELDS if record.fields.get(f)), None)
        list_code = list_of.get(record.item)
        hits.append(
            {
                "record_id": record.id,
                "item": record.item,
                "list_type": list_code,
                "list_name": list_types()[list_code].name if list_code else "严重行政处罚",
                "document": document,
                "since": record.valid_from or record.decision_date,
                "until": record.valid_to,
                "department_id": record.department_id,
            }
        )
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


def _one(session: Session, query: str, matter: str, today: date) -> dict[str, Any]:
    subject, candidates = resolve(session, query)
    if subject is None and check_code(query).valid:
        return _unknown_code(query)
    if subject is None:
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
    hits = _hits(session, subject, today)
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


def run_check(
    session: Session,
    actor: Actor,
    department_id: int | None,
    subjects: list[str],
    matter: str,
    purpose: str,
    today: date,
) -> dict[str, Any]:
    book = measure_book()
    if matter not in book.matters:
        raise CheckError(f"事项编码“{matter}”不存在，可用 GET /api/v1/matters 查询")
    if not purpose or not purpose.strip():
        raise CheckError("请说明核查用途（purpose）")
    cleaned = [s.strip() for s in subjects if s and s.strip()]
    if not cleaned or len(cleaned) > MAX_SUBJECTS:
        raise CheckError(f"每次核查1至{MAX_SUBJECTS}个主体；更多请使用批量核查")
    results = [_one(session, s, matter, today) for s in cleaned]
    check_id = uuid.uuid4().hex
    answer = {"check_id": check_id, "matter": matter, "results": results}
    hits = sum(len(r["hits"]) for r in results)
    session.add(
        CreditCheck(
            id=check_id,
            caller=actor.name,
            department_id=department_id,
            matter=matter,
            purpose=purpose.strip(),
            subjects=[safe_query(q) for q in cleaned],
            hits=hits,
            answer=_jsonable(answer),
        )
    )
    record_event(
        session,
        actor,
        "check.run",
        "credit_check",
        check_id,
        purpose=purpose,
        detail={
            "matter": matter,
            "subjects": len(cleaned),
            "advice": [r["advice"] for r in results],
        },
    )
    return answer


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
