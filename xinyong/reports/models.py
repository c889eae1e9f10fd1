"""The register of issued reports: every report is kept with its number, subject, kind,
purpose, requester and the SHA-256 of its signed PDF, and can be revoked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base, JsonType

REPORT_KINDS = ("organisation", "person", "special")
CONTENT_LEVELS = ("public", "government", "own")


class CreditReport(Base):
    __tablename__ = "credit_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(22), unique=True)
    verification_code: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    content_level: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_code: Mapped[str] = mapped_column(String(32))  # USCC, or a person's masked ID
    purpose: Mapped[str] = mapped_column(String(200))
    requester: Mapped[str] = mapped_column(String(200))  # the actor's name
    requester_note: Mapped[str | None] = mapped_column(String(200))  # agent, identity check
    domains: Mapped[list[str] | None] = mapped_column(JsonType)
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    as_of: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    content: Mapped[dict[str, Any]] = mapped_column(JsonType)  # what the PDF prints (HTML view)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
