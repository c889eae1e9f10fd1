"""Data quality per department: acceptance rate, error kinds, timeliness, code conflicts."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.ingest.models import Batch, CodeConflict

NO_DEPARTMENT = "（未指定部门）"


@dataclass
class DepartmentQuality:
    department: str
    department_uscc: str | None
    batches: int = 0
    rows: int = 0
    accepted: int = 0
    fixed: int = 0
    rejected: int = 0
    acceptance_rate: float | None = None
    error_kinds: dict[str, int] = field(default_factory=dict)
    timely_records: int = 0
    timed_records: int = 0
    share_timely: float | None = None
    open_code_conflicts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _department_names(session: Session) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(Department.id, Department.name, Department.uscc)).all()
    return {did: (name, uscc) for did, name, uscc in rows}


def quality_report(session: Session, since: datetime | None = None) -> list[DepartmentQuality]:
    names = _department_names(session)
    query = select(Batch).where(Batch.status == "done")
    if since is not None:
        query = query.where(Batch.received_at >= since)
    report: dict[int | None, DepartmentQuality] = {}
    errors: dict[int | None, Counter[str]] = {}
    for batch in session.execute(query).scalars():
        key = batch.department_id
        if key not in report:
            name, uscc = names.get(key, (NO_DEPARTMENT, None)) if key else (NO_DEPARTMENT, None)
            report[key] = DepartmentQuality(name, uscc)
            errors[key] = Counter()
        entry = report[key]
        counts = batch.counts or {}
        entry.batches += 1
        entry.rows += int(counts.get("total", 0))
        entry.accepted += int(counts.get("accepted", 0))
        entry.fixed += int(counts.get("fixed", 0))
        entry.rejected += int(counts.get("rejected", 0))
        errors[key].update(counts.get("error_kinds") or {})
        timeliness = counts.get("timeliness") or {}
        entry.timely_records += int(timeliness.get("within_7_working_days", 0))
        entry.timed_records += int(timeliness.get("records", 0))
    conflicts = session.execute(
        select(CodeConflict.department_id, func.count())
        .where(CodeConflict.status == "open")
        .group_by(CodeConflict.department_id)
    ).all()
    for key, count in conflicts:
        if key not in report:
            name, uscc = names.get(key, (NO_DEPARTMENT, None)) if key else (NO_DEPARTMENT, None)
            report[key] = DepartmentQuality(name, uscc)
        report[key].open_code_conflicts = int(count)
    for key, entry in report.items():
        entry.error_kinds = dict(errors.get(key, Counter()).most_common(10))
        entry.acceptance_rate = round(entry.accepted / entry.rows, 4) if entry.rows else None
        entry.share_timely = (
            round(entry.timely_records / entry.timed_records, 4) if entry.timed_records else None
        )
    return sorted(report.values(), key=lambda e: (e.acceptance_rate or 0, e.department))
