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
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.audit.log import Actor, record_event
from xinyong.clock import utcnow
from xinyong.db.base import Base

MACHINES_FILE = Path(__file__).parent / "machines.yaml"


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
    """Check and record one transition; returns the new state (the caller stores it)."""
    machine = machines()[workflow]
    machine.check(current, target)
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


def history(session: Session, workflow: str, entity_id: str | int) -> list[WorkflowEvent]:
    return list(
        session.execute(
            select(WorkflowEvent)
            .where(WorkflowEvent.workflow == workflow, WorkflowEvent.entity_id == str(entity_id))
            .order_by(WorkflowEvent.id)
        ).scalars()
    )
