from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base, JsonType


class ExchangePackage(Base):
    """One upward package: numbered per target, its file kept with its SHA-256, sent (with
    retries) and acknowledged by a receipt."""

    __tablename__ = "exchange_packages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(16), index=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    sections: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    # built -> delivered -> acknowledged; a failed send stays "retrying" until delivered.
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)


class ExchangeRow(Base):
    """One row of a package: what it reported (a record version, a list recognition, a repair),
    by which department, due when, and what the receipt said of it."""

    __tablename__ = "exchange_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("exchange_packages.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))
    line: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    item: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("records.id"), index=True
    )
    record_key: Mapped[str | None] = mapped_column(String(64), index=True)
    source_id: Mapped[int | None] = mapped_column(Integer, index=True)  # recognition / repair
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    due: Mapped[date | None] = mapped_column(Date)
    # sent -> accepted | rejected; a rejected row the department resubmits: resubmitted
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
