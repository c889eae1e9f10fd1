from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base


class ExportCursor(Base):
    """How far each upward export has got, so the next one is incremental."""

    __tablename__ = "export_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_record_id: Mapped[int] = mapped_column(Integer, default=0)
    exported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, default=0)


class PublicityMatter(Base):
    """Matter management: which department issues which licence or penalty matter."""

    __tablename__ = "publicity_matters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # license or penalty
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
