"""State machines for the credit services (publication, objections, repair, list recognition).

Each workflow's states and allowed transitions are data (``machines.yaml``); every transition
is checked against it, recorded as a workflow event and written to the audit log. An illegal
transition is refused with a Chinese message naming both states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import DateTime, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.audit.log import Actor, record_event
from xinyong.clock import utcnow
from xinyong.db.base import Base

MACHINES_FILE = Path(__file__).parent / "machines.yaml"
# Where each workflow keeps its entities' state: table, key column, state column, and a
# condition naming the one row (a record's publication state lives on its current version).
STATE_COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "objection": ("objections", "id", "state", ""),
    "repair": ("repair_applications", "id", "state", ""),
    "list_recognition": ("list_recognitions", "id", "state", ""),
    "loan_application": ("loan_applications", "id", "state", ""),
    "publication": ("records", "record_key", "publication_state", " AND is_current"),
    "warning": ("warnings", "id", "state", ""),
    "monitoring_followup": ("monitoring_followups", "id", "state", ""),
}


class TransitionError(ValueError):
    """A transition the workflow does not allow; the message is in Chinese."""


class WorkflowEvent(Base):
    """One transition of one workflow entity: who moved it from where to where, and why."""

    __tablename__ = "workflow_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow: Mapped[str] = mapped_column(String(32), index=True)
    entity_id: Mapped[str] = mapped_column(String(80), index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


@dataclass(frozen=True)
class Machine:
    name: str
    label: str
    states: dict[str, str]  # state -> Chinese label
    transitions: dict[str, tuple[str, ...]]  # from -> allowed targets
    initial: str

    def label_of(self, state: str | None) -> str:
        return self.states.get(state or "", state or "（无）")

    def check(self, current: str | None, target: str) -> None:
        allowed = self.transitions.get(current or "", ())
        if target not in allowed:
            options = "、".join(f"“{self.label_of(s)}”" for s in allowed) or "无（已是终态）"
            raise TransitionError(
                f"{self.label}不能从“{self.label_of(current)}”变为“{self.label_of(target)}”；"
                f"当前可变为：{options}"
            )


@lru_cache(maxsize=1)
def machines() -> dict[str, Machine]:
    raw: dict[str, Any] = yaml.safe_load(MACHINES_FILE.read_text(encoding="utf-8"))
    return {
        name: Machine(
            name=name,
            label=body["label"],
            states=dict(body["states"]),
            transitions={k: tuple(v) for k, v in body["transitions"].items()},
            initial=body["initial"],
        )
        for name, body in raw.items()
    }


def move(
    session: Session,
    workflow: str,
    entity_id: str | int,
    current: str | None,
    target: str,
    actor: Actor,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> str:
    """Check and record one transition; returns the new state (the caller stores it).

    The entity's row moves only if it is still in ``current`` (a conditional UPDATE, which
    waits for a concurrent transition of the same row to commit): of two requests that
    both saw ``current``, the second is refused with the state the first made (409)."""
    machine = machines()[workflow]
    machine.check(current, target)
    _claim(session, machine, entity_id, current, target)
    session.add(
        WorkflowEvent(
            workflow=workflow,
            entity_id=str(entity_id),
            from_state=current,
            to_state=target,
            actor=actor.name,
            reason=reason,
        )
    )
    record_event(
        session,
        actor,
        f"{workflow}.{target}",
        workflow,
        entity_id,
        purpose=reason,
        detail={"from": current, "to": target, **(detail or {})},
    )
    return target


def _claim(
    session: Session, machine: Machine, entity_id: str | int, current: str | None, target: str
) -> None:
    """Move the entity's row from ``current`` to ``target`` in the database, or refuse."""
    if machine.name not in STATE_COLUMNS:
        return
    table, key, column, only = STATE_COLUMNS[machine.name]
    was = f"{column} IS NULL" if current is None else f"{column} = :current"
    moved = session.execute(
        text(f"UPDATE {table} SET {column} = :target WHERE {key} = :id AND {was}{only}"),
        {"target": target, "id": entity_id, "current": current},
    )
    if getattr(moved, "rowcount", 1) == 1:
        return
    now = session.execute(
        text(f"SELECT {column} FROM {table} WHERE {key} = :id{only}"), {"id": entity_id}
    ).scalar()
    if current is None and now == target:
        return  # created in this transaction with its first state already set
    raise TransitionError(
        f"{machine.label}（编号 {entity_id}）已被他人处理：当前为“{machine.label_of(now)}”，"
        f"不能再从“{machine.label_of(current)}”变为“{machine.label_of(target)}”；"
        "请刷新后查看当前状态"
    )


def history(session: Session, workflow: str, entity_id: str | int) -> list[WorkflowEvent]:
    return list(
        session.execute(
            select(WorkflowEvent)
            .where(WorkflowEvent.workflow == workflow, WorkflowEvent.entity_id == str(entity_id))
            .order_by(WorkflowEvent.id)
        ).scalars()
    )
