"""Warnings (信用预警): one row per rule, subject, evidence and recipient.

A warning is de-duplicated by ``dedup_key`` (the rule, the subject, what caused it and who
receives it): the same cause sent again never makes a second warning. Its state follows the
``warning`` workflow (``workflow/machines.yaml``): open until the recipient acknowledges it,
which closes it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base, JsonType


class CreditWarning(Base):
    __tablename__ = "warnings"
    __table_args__ = (
        Index("ix_warnings_subject_id", "subject_id"),
        Index("ix_warnings_state_recipient", "state", "recipient"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    rule_version: Mapped[date] = mapped_column(Date)  # effective_from of the rules used
    family: Mapped[str] = mapped_column(String(16))  # event, trend, relation
    level: Mapped[str] = mapped_column(String(2))  # 红, 橙, 黄, 蓝
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    # An industry or district trend warns about a group, not one subject.
    group_kind: Mapped[str | None] = mapped_column(String(16))
    group_code: Mapped[str | None] = mapped_column(String(16))
    # enterprise (the subject itself: a 信用提醒), department (the supervising department),
    # credit_office
    recipient: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    # {"records": [ids], "path": [...], "numbers": {...}}
    evidence: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
