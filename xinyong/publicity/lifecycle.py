"""Dual publicity lifecycle: uploaded -> requested -> approved/rejected -> published ->
withdrawn; per-department statistics against the 7-working-day rule."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor
from xinyong.clock import utcnow
from xinyong.evaluation.service import regrade
from xinyong.permissions import authorize
from xinyong.records.models import Record
from xinyong.workdays import CalendarGapError, working_days_between
from xinyong.workflow import move
from xinyong.workflow.deadlines import deadline, due_date

DUAL_PUBLICITY = ("admin_license", "admin_penalty")
WITHDRAW_KINDS = {
    "changed": "处罚决定被变更",
    "revoked": "处罚决定被撤销",
    "void": "处罚决定被确认无效",
    "other": "其他原因",
}


class PublicationError(ValueError):
    """A publication request that cannot be served; the message is in Chinese."""


def _record(session: Session, record_id: int, actor: Actor, action: str) -> Record:
    """The record, once ``actor`` may do ``action`` on it (a department only on its own)."""
    record = session.get(Record, record_id)
    if record is None or not record.is_current:
        raise PublicationError(f"信用记录 {record_id} 不存在或不是最新版本")
    authorize(actor, action, record.department_id)
    if record.item not in DUAL_PUBLICITY:
        raise PublicationError(f"“{record.item}”不属于双公示信息")
    return record


def _move(
    session: Session, record: Record, target: str, actor: Actor, reason: str | None = None
) -> Record:
    record.publication_state = move(
        session,
        "publication",
        record.record_key,
        record.publication_state,
        target,
        actor,
        reason,
        {"record_id": record.id},
    )
    return record


def request_publication(session: Session, record_id: int, actor: Actor) -> Record:
    record = _record(session, record_id, actor, "publication.request")
    return _move(session, record, "requested", actor)


def review(
    session: Session, record_id: int, actor: Actor, approve: bool, reason: str | None = None
) -> Record:
    if not approve and not (reason and reason.strip()):
        raise PublicationError("审核退回须说明理由")
    record = _record(session, record_id, actor, "publication.review")
    return _move(session, record, "approved" if approve else "rejected", actor, reason)


def publish(session: Session, record_id: int, actor: Actor) -> Record:
    record = _record(session, record_id, actor, "publication.publish")
    record = _move(session, record, "published", actor)
    record.published_at = utcnow()
    return record


def withdraw(
    session: Session, record_id: int, actor: Actor, kind: str, reason: str, today: date
) -> tuple[Record, date]:
    """Withdraw a published record; returns it and the date the withdrawal was due by."""
    if kind not in WITHDRAW_KINDS:
        raise PublicationError(f"撤下原因类别“{kind}”无效，可选：{'、'.join(WITHDRAW_KINDS)}")
    if not reason.strip():
        raise PublicationError("撤下须说明理由")
    record = _move(
        session,
        _record(session, record_id, actor, "publication.withdraw"),
        "withdrawn",
        actor,
        f"{WITHDRAW_KINDS[kind]}：{reason}",
    )
    record.status = "withdrawn"
    regrade(session, record.subject_id, f"撤下公示（{WITHDRAW_KINDS[kind]}）", item=record.item)
    return record, due_date("withdraw_published_penalty", today)


def review_queue(session: Session, department_id: int | None = None) -> list[Record]:
    query = select(Record).where(
        Record.is_current.is_(True), Record.publication_state == "requested"
    )
    if department_id is not None:
        query = query.where(Record.department_id == department_id)
    return list(session.execute(query.order_by(Record.decision_date, Record.id)).scalars())


def awaiting_request(
    session: Session, department_id: int | None = None, limit: int = 200
) -> tuple[list[Record], int]:
    """Dual-publicity records a department may still send for review (uploaded, or returned
    by the reviewer), oldest decision first; with their total."""
    where: list[ColumnElement[bool]] = [
        Record.is_current.is_(True),
        Record.item.in_(DUAL_PUBLICITY),
        Record.publication_state.in_(("uploaded", "rejected")),
    ]
    if department_id is not None:
        where.append(Record.department_id == department_id)
    total = session.scalar(select(func.count()).select_from(Record).where(*where)) or 0
    rows = session.execute(
        select(Record).where(*where).order_by(Record.decision_date, Record.id).limit(limit)
    ).scalars()
    return list(rows), total


def published_by_number(session: Session, number: str, limit: int = 20) -> list[Record]:
    """Published dual-publicity records whose document number (文书号) contains ``number``."""
    text = number.strip()
    if not text:
        return []
    # The fields are one JSON array (its text with or without \\u escapes): a text match
    # narrows the rows, the field itself decides.
    stored = cast(Record.stored_values, String)
    matches = [stored.like(_like(form), escape="\\") for form in {text, json.dumps(text)[1:-1]}]
    rows = session.execute(
        select(Record)
        .where(
            Record.is_current.is_(True),
            Record.item.in_(DUAL_PUBLICITY),
            Record.publication_state == "published",
            or_(*matches),
        )
        .order_by(Record.decision_date.desc(), Record.id.desc())
    ).scalars()
    found = []
    for record in rows:
        fields = record.fields
        if text in str(fields.get("CF_WSH") or fields.get("XK_WSH") or ""):
            found.append(record)
            if len(found) == limit:
                break
    return found


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class DepartmentPublicity:
    department: str
    by_state: dict[str, int] = field(default_factory=dict)
    decided: int = 0
    published_in_time: int = 0
    share_in_time: float | None = None
    overdue: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _in_time(record: Record, limit: int) -> bool | None:
    if record.decision_date is None or record.published_at is None:
        return None
    try:
        return working_days_between(record.decision_date, record.published_at.date()) <= limit
    except CalendarGapError:
        return None


def statistics(session: Session, today: date) -> list[DepartmentPublicity]:
    """Per department: records by state, share published within 7 working days, overdue."""
    names = dict(session.execute(select(Department.id, Department.name)).all())
    limit = deadline("publish_decision", today).working_days or 7
    report: dict[str, DepartmentPublicity] = defaultdict(lambda: DepartmentPublicity(""))
    rows = session.execute(
        select(Record).where(Record.is_current.is_(True), Record.item.in_(DUAL_PUBLICITY))
    ).scalars()
    for record in rows:
        name = names.get(record.department_id or 0, "（未指定部门）")
        entry = report[name]
        entry.department = name
        state = record.publication_state or "uploaded"
        entry.by_state[state] = entry.by_state.get(state, 0) + 1
        entry.decided += 1
        if _in_time(record, limit):
            entry.published_in_time += 1
        if state not in ("published", "withdrawn") and record.decision_date is not None:
            try:
                due = due_date("publish_decision", record.decision_date)
            except CalendarGapError:
                continue
            if due < today:
                entry.overdue.append(
                    {
                        "record_id": record.id,
                        "item": record.item,
                        "decision_date": record.decision_date.isoformat(),
                        "due": due.isoformat(),
                        "overdue_working_days": working_days_between(due, today),
                    }
                )
    for entry in report.values():
        entry.share_in_time = (
            round(entry.published_in_time / entry.decided, 4) if entry.decided else None
        )
    return sorted(report.values(), key=lambda e: e.department)
