"""Initiate - respond - feedback (Weifang's five steps): an initiating department pushes a
list; the platform turns it into tasks for the implementing departments of each triggered
measure; they report back against the task or the check; the credit office supervises."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor, record_event
from xinyong.lists.service import list_types
from xinyong.measures.models import CreditCheck, Feedback, JointTask
from xinyong.measures.registry import measure_book
from xinyong.permissions import authorize
from xinyong.records.models import Record
from xinyong.workflow.deadlines import due_date


class FeedbackError(ValueError):
    """A feedback request that cannot be served; the message is in Chinese."""


def initiate(
    session: Session, actor: Actor, initiator: Department, record_ids: list[int], today: date
) -> list[JointTask]:
    """Turn pushed list entries into one task per triggered punishment measure and department."""
    authorize(actor, "joint.initiate")
    list_of = {kind.item: code for code, kind in list_types().items()}
    tasks = []
    for record_id in record_ids:
        record = session.get(Record, record_id)
        if record is None or record.item not in list_of or record.status != "active":
            raise FeedbackError(f"记录 {record_id} 不是有效的名单记录")
        for measure in measure_book().measures.values():
            if measure.kind != "punishment" or list_of[record.item] not in measure.triggers.lists:
                continue
            for implementer in measure.departments:
                task = JointTask(
                    initiator_id=initiator.id,
                    implementer=implementer,
                    subject_id=record.subject_id,
                    record_id=record.id,
                    measure=measure.code,
                    due_date=due_date("report_list_recognition", today),
                )
                session.add(task)
                tasks.append(task)
    session.flush()
    record_event(
        session,
        actor,
        "joint.initiate",
        "joint_tasks",
        initiator.id,
        detail={"records": record_ids, "tasks": len(tasks)},
    )
    return tasks


def report(
    session: Session,
    actor: Actor,
    department: Department | None,
    measure: str,
    applied: bool,
    reason: str,
    task_id: int | None = None,
    check_id: str | None = None,
) -> Feedback:
    if (task_id is None) == (check_id is None):
        raise FeedbackError("请给出 task_id 或 check_id 之一")
    if not reason.strip():
        raise FeedbackError("请说明措施实施情况或未实施的理由")
    if measure not in measure_book().measures:
        raise FeedbackError(f"措施编码“{measure}”不存在")
    if task_id is not None:
        task = session.get(JointTask, task_id)
        if task is None:
            raise FeedbackError(f"任务 {task_id} 不存在")
        # A task belongs to the implementing department it names.
        names = (department.name, department.short_name) if department else ()
        owner = department.id if department and task.implementer in names else None
        authorize(actor, "joint.feedback", owner)
        task.state = "done"
    else:
        check = session.get(CreditCheck, check_id)
        if check is None:
            raise FeedbackError(f"核查 {check_id} 不存在")
        authorize(actor, "joint.feedback", check.department_id)
    entry = Feedback(
        task_id=task_id,
        check_id=check_id,
        department_id=department.id if department else None,
        measure=measure,
        applied=applied,
        reason=reason.strip(),
    )
    session.add(entry)
    session.flush()
    record_event(
        session,
        actor,
        "joint.feedback",
        "feedback",
        entry.id,
        detail={"task": task_id, "check": check_id, "applied": applied},
    )
    return entry


@dataclass
class DepartmentStats:
    department: str
    checks: int = 0
    checks_with_hits: int = 0
    checks_with_feedback: int = 0
    feedback_rate: float | None = None
    open_tasks: int = 0
    overdue_tasks: int = 0
    done_tasks: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def statistics(session: Session, today: date) -> list[DepartmentStats]:
    names = dict(session.execute(select(Department.id, Department.name)).all())
    stats: dict[str, DepartmentStats] = defaultdict(lambda: DepartmentStats(""))

    def entry(name: str) -> DepartmentStats:
        found = stats[name]
        found.department = name
        return found

    answered = set(
        session.execute(select(Feedback.check_id).where(Feedback.check_id.is_not(None))).scalars()
    )
    for check in session.execute(select(CreditCheck)).scalars():
        e = entry(names.get(check.department_id or 0, "（信用办）"))
        e.checks += 1
        if check.hits:
            e.checks_with_hits += 1
            e.checks_with_feedback += check.id in answered
    for task in session.execute(select(JointTask)).scalars():
        e = entry(task.implementer)
        if task.state == "done":
            e.done_tasks += 1
        else:
            e.open_tasks += 1
            e.overdue_tasks += task.due_date < today
    for e in stats.values():
        if e.checks_with_hits:
            e.feedback_rate = round(e.checks_with_feedback / e.checks_with_hits, 4)
    return sorted(stats.values(), key=lambda s: s.department)
