from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db.base import Base


class PlatformKey(Base):
    """The fingerprint of the platform key this database was written with (one row).

    A value derived from the key, never the key: a process holding another key (or none)
    refuses to open the database, so ID hashes and ciphertexts never mix two keys.
    """

    __tablename__ = "platform_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
