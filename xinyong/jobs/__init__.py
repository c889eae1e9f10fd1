"""Scheduled jobs (``xinyong jobs run``): record expiries and report overdue work.

Public reads already filter on publicity periods, so nothing past its period is ever shown;
the job writes the expiry down (status ``expired``, an audit entry) so that lists and
statistics agree with what the public sees.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.objections.models import Objection
from xinyong.objections.service import OPEN_STATES
from xinyong.records.models import Record
from xinyong.repair.models import RepairApplication

JOB_ACTOR = Actor("system:jobs")


@dataclass
class JobReport:
    expired: int = 0
    expired_by_item: dict[str, int] = field(default_factory=dict)
    overdue_objections: list[str] = field(default_factory=list)
    overdue_repairs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def expire_records(session: Session, today: date) -> dict[str, int]:
    """Active records whose publicity period has ended become ``expired``."""
    due = (
        Record.is_current.is_(True),
        Record.status == "active",
        Record.publicity_end.is_not(None),
        Record.publicity_end <= today,
    )
    counts: dict[str, int] = {}
    for item in session.execute(select(Record.item).where(*due).distinct()).scalars():
        result = session.execute(
            update(Record).where(*due, Record.item == item).values(status="expired")
        )
        counts[item] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return counts


def run_jobs(session: Session, today: date) -> JobReport:
    report = JobReport()
    report.expired_by_item = expire_records(session, today)
    report.expired = sum(report.expired_by_item.values())
    report.overdue_objections = list(
        session.execute(
            select(Objection.tracking_code).where(
                Objection.state.in_(OPEN_STATES), Objection.due_date < today
            )
        ).scalars()
    )
    report.overdue_repairs = list(
        session.execute(
            select(RepairApplication.tracking_code).where(
                RepairApplication.state.in_(("submitted", "accepted")),
                RepairApplication.due_date < today,
            )
        ).scalars()
    )
    record_event(session, JOB_ACTOR, "jobs.run", "jobs", today.isoformat(), detail=report.as_dict())
    return report
