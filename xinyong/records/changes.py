"""Changes of a record's status made in place (withdrawn, repaired, stopped after an
objection), logged so that the departments' data sharing feeds pass them on.

New versions need no log: they are new rows of ``records``. A status is changed in place by
setting ``Record.status`` on a loaded record; an attribute listener logs every such change in
the same transaction, whichever service makes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, object_session

from xinyong.clock import utcnow
from xinyong.db.base import Base
from xinyong.records.models import Record


class RecordChange(Base):
    __tablename__ = "record_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("records.id"))
    item: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


@event.listens_for(Record.status, "set")
def _status_set(target: Record, value: Any, old: Any, _initiator: Any) -> None:
    session = object_session(target)
    if session is None or target.id is None or value == old:
        return
    session.add(RecordChange(record_id=target.id, item=target.item, status=str(value)))
