"""City credit monitoring: the value of each indicator per month, the rows counted in each of
its parts (so that every number drills down to the rows behind it), and the follow-up tasks
a falling indicator opens for the responsible department."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base


class MonitoringValue(Base):
    __tablename__ = "monitoring_values"
    __table_args__ = (UniqueConstraint("indicator", "month", name="uq_monitoring_values_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    indicator_version: Mapped[date] = mapped_column(Date)
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)  # None: nothing to measure
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MonitoringRow(Base):
    """One row counted in one part (numerator or denominator) of one value."""

    __tablename__ = "monitoring_rows"
    __table_args__ = (Index("ix_monitoring_rows_value_part", "value_id", "part"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    value_id: Mapped[int] = mapped_column(ForeignKey("monitoring_values.id"))
    part: Mapped[str] = mapped_column(String(12))  # numerator, denominator
    ref_id: Mapped[str] = mapped_column(String(40))  # id in the part's table, as text
    department_id: Mapped[int | None] = mapped_column(Integer)  # whose row it is, when known
    # A measured amount (working days, days), for the indicators that average one.
    amount: Mapped[float | None] = mapped_column(Float)


class MonitoringFollowup(Base):
    """A task for the department responsible for an indicator that fell."""

    __tablename__ = "monitoring_followups"
    __table_args__ = (
        UniqueConstraint("indicator", "month", "department", name="uq_monitoring_followups_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    department: Mapped[str] = mapped_column(String(100))  # the responsible department's kind
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
