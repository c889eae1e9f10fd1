"""What staff see of the exchange: packages, the rejected rows in a department's queue (and
resubmitting one), and every item past its upward deadline."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor, record_event
from xinyong.exchange.models import ExchangePackage, ExchangeRow
from xinyong.exchange.outbox import pending
from xinyong.exchange.targets import KIND_LABELS, target, targets
from xinyong.permissions import authorize
from xinyong.permissions.policy import Principal
from xinyong.workdays import CalendarGapError, working_days_between

STATE_LABELS = {
    "pending": "待报送",
    "sent": "已报送待回执",
    "accepted": "已接收",
    "rejected": "被退回",
    "resubmitted": "已重新提交",
    "superseded": "已由新数据替代",
}


class QueueError(ValueError):
    """A queue request that cannot be served; the message is in Chinese."""


@dataclass
class QueueRow:
    """One line of the exchange as staff see it (no field values: no personal data)."""

    id: int | None
    target: str
    target_name: str
    package: str | None
    line: int | None
    kind: str
    kind_label: str
    item: str | None
    record_key: str | None
    department: str | None
    due: date | None
    state: str
    state_label: str
    reason: str | None
    overdue_days: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_packages(session: Session, actor: Actor, limit: int = 50) -> list[ExchangePackage]:
    authorize(actor, "exchange.read")
    return list(
        session.execute(
            select(ExchangePackage).order_by(ExchangePackage.id.desc()).limit(limit)
        ).scalars()
    )


def _departments(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Department.id, Department.name)).all())


def _row(row: ExchangeRow, number: str | None, names: dict[int, str], today: date) -> QueueRow:
    return QueueRow(
        row.id,
        row.target,
        target(row.target).name,
        number,
        row.line,
        row.kind,
        KIND_LABELS[row.kind],
        row.item,
        row.record_key,
        names.get(row.department_id or 0),
        row.due,
        row.state,
        STATE_LABELS[row.state],
        row.reason,
        _overdue(row.due, today),
    )


def _overdue(due: date | None, today: date) -> int | None:
    """Working days past ``due`` (None: not overdue or no deadline)."""
    if due is None or today <= due:
        return None
    try:
        return working_days_between(due, today)
    except CalendarGapError:
        return (today - due).days


def _own_department(actor: Actor, department_id: int | None) -> int | None:
    """The department whose queue a caller sees: its own, or any for the credit office."""
    if isinstance(actor, Principal) and not actor.credit_office:
        return actor.department_id
    return department_id


def department_queue(
    session: Session, actor: Actor, department_id: int | None, today: date
) -> list[QueueRow]:
    """Rejected rows waiting for their department to correct or resubmit them."""
    wanted = _own_department(actor, department_id)
    authorize(actor, "exchange.read_queue", wanted)
    query = (
        select(ExchangeRow, ExchangePackage.number)
        .join(ExchangePackage, ExchangePackage.id == ExchangeRow.package_id)
        .where(ExchangeRow.state == "rejected")
        .order_by(ExchangeRow.due, ExchangeRow.id)
    )
    if wanted is not None:
        query = query.where(ExchangeRow.department_id == wanted)
    names = _departments(session)
    return [_row(row, number, names, today) for row, number in session.execute(query).all()]


def resubmit(session: Session, actor: Actor, row_id: int, note: str) -> ExchangeRow:
    """Put a rejected row back into the outbox as it is (after correcting what the record
    cannot show, e.g. a registration upstairs); a corrected record goes by itself."""
    row = session.get(ExchangeRow, row_id)
    if row is None:
        raise QueueError(f"交换记录 {row_id} 不存在")
    authorize(actor, "exchange.resubmit", row.department_id)
    if row.state != "rejected":
        raise QueueError(
            f"交换记录 {row_id} 的状态为“{STATE_LABELS[row.state]}”，只有被退回的可重新提交"
        )
    if not note.strip():
        raise QueueError("请说明已如何处理退回原因（note）")
    row.state = "resubmitted"
    record_event(
        session,
        actor,
        "exchange.resubmit",
        "exchange_row",
        row.id,
        detail={"note": note.strip(), "reason": row.reason},
    )
    return row


def overdue(session: Session, actor: Actor, today: date, code: str | None = None) -> list[QueueRow]:
    """Items past their deadline and not accepted: still pending, sent without a receipt,
    or rejected and not yet corrected. On the due day itself an item is still in time."""
    authorize(actor, "exchange.read")
    codes = [code] if code else list(targets())
    names = _departments(session)
    found: list[QueueRow] = []
    for c in codes:
        for p in pending(session, c):
            days = _overdue(p.due, today)
            if days is None:
                continue
            found.append(
                QueueRow(
                    None,
                    c,
                    target(c).name,
                    None,
                    None,
                    p.kind,
                    KIND_LABELS[p.kind],
                    p.item,
                    p.record.record_key if p.record else None,
                    names.get(p.department_id or 0),
                    p.due,
                    "pending",
                    STATE_LABELS["pending"],
                    None,
                    days,
                )
            )
    rows = session.execute(
        select(ExchangeRow, ExchangePackage.number)
        .join(ExchangePackage, ExchangePackage.id == ExchangeRow.package_id)
        .where(
            ExchangeRow.target.in_(codes),
            ExchangeRow.state.in_(("sent", "rejected")),
            ExchangeRow.due < today,
        )
    ).all()
    found += [_row(row, number, names, today) for row, number in rows]
    return sorted(found, key=lambda r: (r.due or today, r.target, r.kind))
