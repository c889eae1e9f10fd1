"""Scheduled jobs (``xinyong jobs run``): record expiries and report overdue work; set the
subjects' industry and district, run the daily warnings (dated events and trends) and, on
the first day of a month, compute the city credit monitoring of the month before.

Public reads already filter on publicity periods, so nothing past its period is ever shown;
the job writes the expiry down (status ``expired``, an audit entry) so that lists and
statistics agree with what the public sees. It then commits and writes the day's signed
checkpoint of the audit log's head outside the database (``xinyong.audit.checkpoints``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from xinyong.audit.checkpoints import CheckpointError, write_checkpoint
from xinyong.audit.log import Actor, record_event
from xinyong.evaluation.service import due_on, regrade_subjects, run_evaluation
from xinyong.monitoring.compute import compute_month
from xinyong.objections.models import Objection
from xinyong.objections.service import OPEN_STATES
from xinyong.records.models import Record
from xinyong.records.public import period_over_condition
from xinyong.repair.models import RepairApplication
from xinyong.settings import get_settings
from xinyong.subjects.classify import classify_subjects
from xinyong.warning.detect import run_warnings

JOB_ACTOR = Actor("system:jobs")


@dataclass
class JobReport:
    expired: int = 0
    expired_by_item: dict[str, int] = field(default_factory=dict)
    overdue_objections: list[str] = field(default_factory=list)
    overdue_repairs: list[str] = field(default_factory=list)
    regraded: int = 0  # grades changed by the expiries
    evaluated: list[str] = field(default_factory=list)  # models whose cycle ran today
    classified: int = 0  # subjects whose industry or district changed
    warnings: dict[str, Any] = field(default_factory=dict)  # xinyong.warning.detect report
    monitoring_month: str | None = None  # the month computed (on a month's first day)
    checkpoint: str | None = None  # the checkpoint file written
    checkpoint_error: str | None = None  # why none was written (in Chinese)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _due(today: date) -> tuple[ColumnElement[bool], ...]:
    """Current active records whose publicity period has ended by ``today``."""
    return (Record.is_current.is_(True), Record.status == "active", period_over_condition(today))


def expire_records(session: Session, today: date) -> dict[str, int]:
    """Active records whose publicity period has ended become ``expired``."""
    due = _due(today)
    counts: dict[str, int] = {}
    for item in session.execute(select(Record.item).where(*due).distinct()).scalars():
        result = session.execute(
            update(Record).where(*due, Record.item == item).values(status="expired")
        )
        counts[item] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return counts


def run_jobs(session: Session, today: date, checkpoint_dir: Path | None = None) -> JobReport:
    """Run the daily jobs and commit; then checkpoint the audit log into ``checkpoint_dir``
    (default XINYONG_AUDIT_CHECKPOINT_DIR)."""
    report = JobReport()
    expiring = session.execute(select(Record.subject_id).where(*_due(today)).distinct())
    touched = list(expiring.scalars())
    report.expired_by_item = expire_records(session, today)
    report.regraded = regrade_subjects(session, touched, "公示期届满", today)
    if due := due_on(today):  # the models whose evaluation cycle falls today
        evaluated = run_evaluation(session, JOB_ACTOR, today, due, "周期评价")
        report.evaluated = [m["model"] for m in evaluated.models]
    report.expired = sum(report.expired_by_item.values())
    report.classified = classify_subjects(session).changed
    report.warnings = run_warnings(session, today, JOB_ACTOR)
    if today.day == 1:
        month = (today - timedelta(days=1)).strftime("%Y-%m")
        compute_month(session, JOB_ACTOR, month)
        report.monitoring_month = month
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
    session.commit()  # the checkpoint vouches for committed entries only
    try:
        _, path = write_checkpoint(
            session, checkpoint_dir or get_settings().audit_checkpoint_dir, today
        )
        report.checkpoint = str(path)
    except CheckpointError as exc:
        report.checkpoint_error = str(exc)
    return report
