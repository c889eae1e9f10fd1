"""Stored grades and the history of every change of grade."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base


class EvaluationGrade(Base):
    """A subject's current grade under one model, with its explanation and input digest.

    The primary key leads with the subject: the credit check reads a subject's grades with
    one index probe. ``explanation`` is a JSON array (veto hits first) of
    ``{"indicator", "name", "dimension", "points", "value", "category", "records", "veto"}``.
    """

    __tablename__ = "evaluation_grades"

    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    model: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(32))
    grade: Mapped[str] = mapped_column(String(8))
    score: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    digest: Mapped[str] = mapped_column(String(64))
    # JSON, not JSONB: written in bulk by every run, read one subject at a time.
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class GradeChange(Base):
    """One change of a subject's grade under a model: the old grade, the new one, from when
    (``valid_from``, the evaluation day) until the next change (``valid_to``), and why."""

    __tablename__ = "evaluation_grade_history"
    __table_args__ = (
        Index("ix_evaluation_grade_history_subject", "subject_id", "model", "valid_from"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    model: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(32))
    old_grade: Mapped[str | None] = mapped_column(String(8))
    grade: Mapped[str] = mapped_column(String(8))
    score: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class EvaluationRun(Base):
    """A full run of a model: every subject it applies to graded on ``as_of``. A grade that
    did not change keeps its row (and the day it was last computed); the latest run of its
    model and version confirms it."""

    __tablename__ = "evaluation_runs"
    __table_args__ = (Index("ix_evaluation_runs_model", "model", "as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[date] = mapped_column(Date)
    subjects: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    finished_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
