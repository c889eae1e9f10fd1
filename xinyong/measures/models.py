from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base, JsonType


class CreditCheck(Base):
    """One credit check: who asked, for which matter and purpose, and what was answered."""

    __tablename__ = "credit_checks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    caller: Mapped[str] = mapped_column(String(120))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    matter: Mapped[str] = mapped_column(String(16), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    subjects: Mapped[list[str]] = mapped_column(JsonType)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class JointTask(Base):
    """A measure an implementing department is asked to apply to a listed subject."""

    __tablename__ = "joint_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiator_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    implementer: Mapped[str] = mapped_column(String(100), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    measure: Mapped[str] = mapped_column(String(8))
    due_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Feedback(Base):
    """What an implementing department did, against a task or a check."""

    __tablename__ = "joint_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("joint_tasks.id"), index=True)
    check_id: Mapped[str | None] = mapped_column(ForeignKey("credit_checks.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    measure: Mapped[str] = mapped_column(String(8))
    applied: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
