"""What is due to go upward to a target and has not gone yet (the outbox), and its deadlines.

Nothing is copied into an outbox table: what is pending is what the platform holds and no
live package row (sent, accepted or rejected) reports yet. A rejected row keeps its item out
of the next package until the department corrects the record (a new version is a new row)
or resubmits it; an accepted or sent record key turns the next version into a change.
Deadlines: dual publicity within 7 working days of the decision (``publish_decision``),
list recognitions within 10 working days of the decision (``report_due``), withdrawals
within 3 days, repair decisions within 3 working days (``workflow/deadlines.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from xinyong.exchange.models import ExchangeRow
from xinyong.exchange.targets import target
from xinyong.lists.models import ListRecognition
from xinyong.publicity.lifecycle import DUAL_PUBLICITY
from xinyong.records.changes import RecordChange
from xinyong.records.models import Record
from xinyong.records.store import current_version
from xinyong.repair.models import RepairApplication
from xinyong.workdays import CalendarGapError
from xinyong.workflow import WorkflowEvent
from xinyong.workflow.deadlines import due_date

LIVE = ("sent", "accepted", "rejected")
REPORTED = ("sent", "accepted")
PUBLICITY_KINDS = ("publicity_new", "publicity_changed")


@dataclass
class Pending:
    """One row waiting for the next package of a target."""

    kind: str
    item: str | None
    record: Record | None
    source_id: int | None
    department_id: int | None
    due: date | None
    extra: dict[str, str | None] = field(default_factory=dict)


def _due(rule: str, start: date | datetime | None) -> date | None:
    if start is None:
        return None
    day = start.date() if isinstance(start, datetime) else start
    try:
        return due_date(rule, day)
    except CalendarGapError:
        return None


def _not_live(code: str, kinds: Iterable[str], **match: object):  # type: ignore[no-untyped-def]
    conditions = [
        ExchangeRow.target == code,
        ExchangeRow.kind.in_(tuple(kinds)),
        ExchangeRow.state.in_(LIVE),
    ]
    conditions += [getattr(ExchangeRow, name) == value for name, value in match.items()]
    return ~exists().where(and_(*conditions))


def reported_keys(session: Session, code: str, kinds: Iterable[str]) -> set[str]:
    """Record keys the target has received (sent or accepted) under ``kinds``."""
    return set(
        session.execute(
            select(ExchangeRow.record_key).where(  # type: ignore[arg-type]
                ExchangeRow.target == code,
                ExchangeRow.kind.in_(tuple(kinds)),
                ExchangeRow.state.in_(REPORTED),
                ExchangeRow.record_key.is_not(None),
            )
        ).scalars()
    )


def reported_sources(session: Session, code: str, kind: str) -> set[int]:
    return set(
        session.execute(
            select(ExchangeRow.source_id).where(  # type: ignore[arg-type]
                ExchangeRow.target == code,
                ExchangeRow.kind == kind,
                ExchangeRow.state.in_(REPORTED),
            )
        ).scalars()
    )


def _publicity(session: Session, code: str) -> list[Pending]:
    known = reported_keys(session, code, PUBLICITY_KINDS)
    records = session.execute(
        select(Record)
        .where(
            Record.is_current.is_(True),
            Record.item.in_(DUAL_PUBLICITY),
            Record.publication_state == "published",
            Record.status == "active",
            _not_live(code, PUBLICITY_KINDS, record_id=Record.id),
        )
        .order_by(Record.id)
    ).scalars()
    return [
        Pending(
            "publicity_changed" if r.record_key in known else "publicity_new",
            r.item,
            r,
            None,
            r.department_id,
            _due("publish_decision", r.decision_date),
        )
        for r in records
    ]


def _withdrawals(session: Session, code: str) -> list[Pending]:
    known = reported_keys(session, code, PUBLICITY_KINDS)
    found = session.execute(
        select(Record, RecordChange.at)
        .join(RecordChange, RecordChange.record_id == Record.id)
        .where(
            Record.item.in_(DUAL_PUBLICITY),
            Record.status == "withdrawn",
            RecordChange.status == "withdrawn",
            _not_live(code, ["publicity_withdrawn"], record_id=Record.id),
        )
        .order_by(Record.id)
    ).all()
    return [
        Pending(
            "publicity_withdrawn",
            r.item,
            r,
            None,
            r.department_id,
            _due("withdraw_published_penalty", at),
            {"withdrawn_on": at.date().isoformat()},
        )
        for r, at in found
        if r.record_key in known  # never reported: nothing to withdraw upstairs
    ]


def _recognition_extra(entry: ListRecognition) -> dict[str, str | None]:
    return {
        "decision_number": entry.decision_number,
        "decided_on": entry.decided_on.isoformat() if entry.decided_on else None,
        "report_due": entry.report_due.isoformat() if entry.report_due else None,
    }


def _recognitions(session: Session, code: str) -> list[Pending]:
    entries = session.execute(
        select(ListRecognition)
        .where(
            ListRecognition.decided_on.is_not(None),
            _not_live(code, ["list_recognition"], source_id=ListRecognition.id),
        )
        .order_by(ListRecognition.id)
    ).scalars()
    return [
        Pending(
            "list_recognition",
            e.list_type,
            current_version(session, e.record_key) if e.record_key else None,
            e.id,
            e.department_id,
            e.report_due,
            _recognition_extra(e),
        )
        for e in entries
    ]


def _removed_on(session: Session, entry_id: int) -> datetime | None:
    return session.execute(
        select(WorkflowEvent.at)
        .where(
            WorkflowEvent.workflow == "list_recognition",
            WorkflowEvent.entity_id == str(entry_id),
            WorkflowEvent.to_state == "removed",
        )
        .order_by(WorkflowEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _removals(session: Session, code: str) -> list[Pending]:
    sent = reported_sources(session, code, "list_recognition")
    entries = session.execute(
        select(ListRecognition)
        .where(
            ListRecognition.state == "removed",
            _not_live(code, ["list_removal"], source_id=ListRecognition.id),
        )
        .order_by(ListRecognition.id)
    ).scalars()
    found = []
    for e in entries:
        if e.id not in sent:
            continue
        removed = _removed_on(session, e.id)
        extra = _recognition_extra(e) | {
            "removed_on": removed.date().isoformat() if removed else None,
            "removed_reason": e.removed_reason,
        }
        record = current_version(session, e.record_key) if e.record_key else None
        found.append(
            Pending(
                "list_removal",
                e.list_type,
                record,
                e.id,
                e.department_id,
                _due("report_list_recognition", removed),
                extra,
            )
        )
    return found


def _repairs(session: Session, code: str) -> list[Pending]:
    applications = session.execute(
        select(RepairApplication)
        .where(
            RepairApplication.state == "approved",
            _not_live(code, ["repair"], source_id=RepairApplication.id),
        )
        .order_by(RepairApplication.id)
    ).scalars()
    found = []
    for a in applications:
        record = current_version(session, a.record_key)
        extra = {
            "tracking_code": a.tracking_code,
            "repaired_on": a.decided_at.date().isoformat() if a.decided_at else None,
            "repair_reason": a.decision_reason,
        }
        found.append(
            Pending(
                "repair",
                record.item if record else None,
                record,
                a.id,
                record.department_id if record else None,
                _due("share_repair_decision", a.decided_at),
                extra,
            )
        )
    return found


def _commitments(session: Session, code: str) -> list[Pending]:
    records = session.execute(
        select(Record)
        .where(
            Record.is_current.is_(True),
            Record.item == "commitment",
            Record.status == "active",
            _not_live(code, ["commitment"], record_id=Record.id),
        )
        .order_by(Record.id)
    ).scalars()
    return [Pending("commitment", r.item, r, None, r.department_id, None) for r in records]


_COLLECT = {
    "publicity_new": _publicity,
    "publicity_withdrawn": _withdrawals,
    "list_recognition": _recognitions,
    "list_removal": _removals,
    "repair": _repairs,
    "commitment": _commitments,
}


def pending(session: Session, code: str) -> list[Pending]:
    """Everything the target takes that no live row of a package reports yet."""
    layout = target(code)
    kinds = set(layout.kinds)
    found: list[Pending] = []
    for kind, collect in _COLLECT.items():
        if kind in kinds or (kind == "publicity_new" and "publicity_changed" in kinds):
            found += [p for p in collect(session, code) if p.kind in kinds]
    if not layout.deadlines:
        for p in found:
            p.due = None
    return found
