from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session

from xinyong.clock import utcnow
from xinyong.db.base import Base
from xinyong.records.layouts import as_dict, layout_codes

RECORD_STATUSES = ("active", "withdrawn", "repaired", "expired", "revoked", "removed")


# Current, active list entries and serious penalties.
CHECKABLE = "is_current AND status = 'active' AND (item <> 'admin_penalty' OR severity = 'serious')"


class Record(Base):
    """One version of one record.

    ``record_key`` identifies the record across versions (a hash of the catalog item and its
    natural-key fields). A correction inserts version n+1 and closes version n by setting
    ``superseded_at``; ``recorded_at``/``superseded_at`` answer "what did it say on date D".
    """

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("record_key", "version", name="uq_records_key_version"),
        Index("ix_records_subject_current", "subject_id", "is_current"),
        Index("ix_records_item_decision", "item", "decision_date"),
        # The records a credit check can hit (xinyong.measures.lookup repeats this condition
        # so that the planner uses the index): a small part of the table, so a check reads
        # a few index entries instead of every record of the subject.
        Index(
            "ix_records_checkable",
            "subject_id",
            postgresql_where=text(CHECKABLE),
            sqlite_where=text(CHECKABLE),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    item: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    decision_date: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    publicity_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    severity: Mapped[str | None] = mapped_column(String(16))
    amount_yuan: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    # The field values as a JSON array in the order of the record's layout (records.layouts);
    # JSON (not JSONB) on PostgreSQL: records are bulk-loaded far more than queried by field.
    stored_values: Mapped[list[Any]] = mapped_column("fields", JSON)
    layout_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("record_layouts.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Dual publicity workflow state (workflow/machines.yaml); None for items without it.
    publication_state: Mapped[str | None] = mapped_column(String(16))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    original_row: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def fields(self) -> dict[str, Any]:
        """The record's fields by code (those without a value left out)."""
        codes = layout_codes(object_session(self), self.layout_id)
        return as_dict(codes, self.stored_values)
