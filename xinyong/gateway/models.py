from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db.base import Base, JsonType


class ApiUsage(Base):
    """Calls of one day by one caller to one interface family with one status class."""

    __tablename__ = "api_usage"
    __table_args__ = (UniqueConstraint("day", "caller", "family", "status_class"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    caller: Mapped[str] = mapped_column(String(80))
    family: Mapped[str] = mapped_column(String(40))
    status_class: Mapped[str] = mapped_column(String(3))
    calls: Mapped[int] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)  # the calls' total
    histogram: Mapped[list[int]] = mapped_column(JsonType)  # calls per LATENCY_BOUNDS bucket
