from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base


class Subject(Base):
    """Anyone a record is about.

    Organizations are keyed by USCC. Natural persons are keyed by a keyed hash of their
    resident ID (``person_hash``) and keep the number only encrypted (``person_id_enc``).
    """

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    person_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    person_id_enc: Mapped[str | None] = mapped_column(Text)
    person_id_masked: Mapped[str | None] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200), index=True)
    # Pre-2015 business registration number (工商注册号), searchable on the portal.
    registration_number: Mapped[str | None] = mapped_column(String(32), index=True)
    region: Mapped[str | None] = mapped_column(String(6))
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    registered_on: Mapped[date | None] = mapped_column(Date)
    # GB/T 4754-2017 industry code (section letter and up to four digits, e.g. ``F5212``) from
    # the registration data, and the county-level district code (xinyong.subjects.classify).
    industry: Mapped[str | None] = mapped_column(String(5), index=True)
    district: Mapped[str | None] = mapped_column(String(6), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SubjectName(Base):
    """Every name a subject has been known by, with the dates it was seen."""

    __tablename__ = "subject_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source: Mapped[str | None] = mapped_column(String(100))
