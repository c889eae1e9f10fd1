from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base, JsonType


class Batch(Base):
    """One submitted file or push (批次): who, when, what, and how it ended."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(64), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    submitted_by: Mapped[str] = mapped_column(String(100))
    source_name: Mapped[str | None] = mapped_column(String(300))
    file_hash: Mapped[str | None] = mapped_column(String(64))
    # The input's column headers; a record's original_row (kept when cleaning changed the row)
    # lists its values in this order.
    headers: Mapped[list[str] | None] = mapped_column(JsonType)
    # loading (in the caller's process), queued / running (a worker's), done, failed
    status: Mapped[str] = mapped_column(String(16), default="loading")
    counts: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    duration_s: Mapped[float | None] = mapped_column(Float)
    # A queued batch: the stored upload, the submitter, publish on arrival (xinyong.ingest.queue)
    job: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, in Chinese


class CodeConflict(Base):
    """A code-conflict case (重错码) in the data quality queue.

    ``kind`` is ``code_with_two_names`` (one code arrived with a name other than the subject's)
    or ``name_with_two_codes`` (one name arrived with a code other than an existing subject's).
    Nothing is merged or overwritten until a clerk resolves the case.
    """

    __tablename__ = "code_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    other_code: Mapped[str | None] = mapped_column(String(64))
    other_name: Mapped[str | None] = mapped_column(String(200))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(String(500))
