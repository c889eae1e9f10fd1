"""Follow-up tasks (整改跟进) for the departments responsible for an indicator that fell.

An indicator falls in a month when its value misses the target or is worse than the month
before. Where its rows name their department (a penalty's source, a batch's sender, a list's
recognising department), each department's own value is compared with its own previous one
and target, and only the departments that fell get a task; otherwise the task goes to the
responsible department the indicator names, kept by the credit office. One task per
indicator, month and department; its deadline counts working days from the day it opens.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor
from xinyong.clock import today, utcnow
from xinyong.monitoring.models import MonitoringFollowup, MonitoringRow, MonitoringValue
from xinyong.monitoring.registry import Indicator, IndicatorVersion
from xinyong.permissions import authorize
from xinyong.permissions.policy import Principal
from xinyong.workdays import add_working_days
from xinyong.workflow import machines, move

if TYPE_CHECKING:
    from xinyong.monitoring.compute import Month, Outcome

_SYSTEM = Actor("system:monitoring")


class FollowupError(ValueError):
    """A follow-up request that cannot be done; the message is in Chinese."""


def _fmt(indicator: Indicator, value: float | None) -> str:
    if value is None:
        return "无数据"
    if indicator.kind in ("ratio", "sum_ratio"):
        return f"{value * 100:.2f}%"
    return f"{value:g}"


def _by_department(frame: pl.DataFrame | None) -> Counter[int]:
    if frame is None or frame.height == 0:
        return Counter()
    ids = frame["department_id"].drop_nulls().to_list()
    return Counter(int(i) for i in ids)


def _stored_by_department(session: Session, value_id: int) -> dict[str, Counter[int]]:
    rows = session.execute(
        select(MonitoringRow.part, MonitoringRow.department_id, func.count())
        .where(MonitoringRow.value_id == value_id, MonitoringRow.department_id.is_not(None))
        .group_by(MonitoringRow.part, MonitoringRow.department_id)
    )
    found: dict[str, Counter[int]] = {"numerator": Counter(), "denominator": Counter()}
    for part, dept, n in rows:
        if dept is not None:
            found[part][int(dept)] = int(n)
    return found


def _fell(indicator: Indicator, value: float | None, before: float | None) -> str | None:
    """Why the value counts as falling (None if it does not)."""
    if value is None:
        return None
    if indicator.misses(value):
        return f"未达到目标值 {_fmt(indicator, indicator.target)}"
    if before is not None and indicator.better(before, value):
        return f"较上月（{_fmt(indicator, before)}）变差"
    return None


def _task(
    session: Session,
    version: IndicatorVersion,
    indicator: Indicator,
    month: Month,
    department: str,
    department_id: int | None,
    reason: str,
) -> int:
    exists = session.execute(
        select(MonitoringFollowup.id).where(
            MonitoringFollowup.indicator == indicator.code,
            MonitoringFollowup.month == month.code,
            MonitoringFollowup.department == department,
        )
    ).first()
    if exists:
        return 0
    task = MonitoringFollowup(
        indicator=indicator.code,
        month=month.code,
        department=department,
        department_id=department_id,
        reason=reason,
        state="open",
        due_date=add_working_days(today(), version.followup_working_days),
        created_at=utcnow(),
    )
    session.add(task)
    session.flush()
    move(session, "monitoring_followup", task.id, None, "open", _SYSTEM, reason)
    return 1


def open_followups(
    session: Session,
    version: IndicatorVersion,
    indicator: Indicator,
    month: Month,
    outcome: Outcome,
) -> int:
    previous = session.execute(
        select(MonitoringValue).where(
            MonitoringValue.indicator == indicator.code,
            MonitoringValue.month == month.previous().code,
        )
    ).scalar_one_or_none()
    opened = 0
    den = outcome.frames.get("denominator")
    per_department = (
        indicator.kind == "ratio"
        and den is not None
        and den["department_id"].drop_nulls().len() > 0
    )
    if per_department:
        num_now = _by_department(outcome.frames["numerator"])
        den_now = _by_department(den)
        before = _stored_by_department(session, previous.id) if previous else None
        names = {i: n for i, n in session.execute(select(Department.id, Department.name))}
        for dept, total in sorted(den_now.items()):
            value = num_now[dept] / total
            prior = None
            if before and before["denominator"][dept]:
                prior = before["numerator"][dept] / before["denominator"][dept]
            if why := _fell(indicator, value, prior):
                reason = (
                    f"{month.code}“{indicator.name}”为 {_fmt(indicator, value)}"
                    f"（{num_now[dept]}/{total}），{why}"
                )
                opened += _task(
                    session, version, indicator, month, names.get(dept, str(dept)), dept, reason
                )
        return opened
    why = _fell(indicator, outcome.value, previous.value if previous else None)
    if why:
        office = session.execute(
            select(Department.id).where(Department.is_credit_office.is_(True)).limit(1)
        ).scalar_one_or_none()
        reason = f"{month.code}“{indicator.name}”为 {_fmt(indicator, outcome.value)}，{why}"
        opened += _task(session, version, indicator, month, indicator.responsible, office, reason)
    return opened


# -- handling ----------------------------------------------------------------------------------


def as_dict(task: MonitoringFollowup) -> dict[str, Any]:
    machine = machines()["monitoring_followup"]
    return {
        "id": task.id,
        "indicator": task.indicator,
        "month": task.month,
        "department": task.department,
        "department_id": task.department_id,
        "reason": task.reason,
        "state": task.state,
        "state_label": machine.label_of(task.state),
        "due_date": task.due_date.isoformat(),
        "note": task.note,
        "closed_at": task.closed_at.isoformat(timespec="seconds") if task.closed_at else None,
    }


def list_followups(
    session: Session, actor: Principal, month: str | None = None, open_only: bool = False
) -> list[dict[str, Any]]:
    authorize(actor, "monitoring.read")
    query = select(MonitoringFollowup).order_by(MonitoringFollowup.id.desc())
    if month:
        query = query.where(MonitoringFollowup.month == month)
    if open_only:
        query = query.where(MonitoringFollowup.state != "done")
    if actor.department_id is not None and not actor.credit_office:
        query = query.where(MonitoringFollowup.department_id == actor.department_id)
    return [as_dict(t) for t in session.execute(query.limit(500)).scalars()]


def advance(
    session: Session, actor: Principal, task_id: int, target: str, note: str | None
) -> MonitoringFollowup:
    """Move a task on (open -> in_progress -> done) with the department's note."""
    task = session.get(MonitoringFollowup, task_id)
    if task is None:
        raise FollowupError(f"跟进任务（编号 {task_id}）不存在")
    authorize(actor, "monitoring.followup", task.department_id)
    if target not in machines()["monitoring_followup"].states:
        raise FollowupError(f"状态（state）“{target}”不存在，可选：in_progress、done")
    if note is not None and len(note) > 1000:
        raise FollowupError(f"整改说明（note）过长：{len(note)} 字，最多 1000 字")
    if target == "done" and not (note or "").strip():
        raise FollowupError("完成跟进任务须填写整改说明（note）")
    move(session, "monitoring_followup", task.id, task.state, target, actor, note)
    session.refresh(task)
    task.note = note or task.note
    if target == "done":
        task.closed_at = utcnow()
    return task
