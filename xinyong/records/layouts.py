"""Record layouts: which field each value of a stored record belongs to.

A record stores its field values as a JSON array, not an object: with an object every record
repeats every field code, about a quarter of a record's bytes. The array's order is a
*layout*, an item's field codes in order, kept in ``record_layouts``. A layout's id is derived
from its content, so it is the same on every machine, creating it twice is a no-op, and an id
can never name two layouts (not even after a rolled-back batch). A batch whose columns differ
(a field nobody sent, a field added to the catalog) makes a new layout; records keep the one
they were written with, so old records read back as they were written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base


class RecordLayout(Base):
    """The field codes of stored records' value arrays, in order."""

    __tablename__ = "record_layouts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    item: Mapped[str] = mapped_column(String(64))
    codes: Mapped[list[str]] = mapped_column(JSON)
    # code -> index in the array, for SQL that reads one field (measures.lookup)
    positions: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# id -> codes. Safe to fill before a commit: an id is a function of its codes.
_KNOWN: dict[int, tuple[str, tuple[str, ...]]] = {}


def layout_id(item: str, codes: Iterable[str]) -> int:
    """The layout's id: 63 bits of the SHA-256 of the item and its codes in order."""
    text = "\x1f".join([item, *codes])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def layout_for(item: str, codes: Iterable[str]) -> int:
    """Id of the layout (remembered here; ``ensure_layouts`` writes it to the database)."""
    ordered = tuple(codes)
    found = layout_id(item, ordered)
    _KNOWN[found] = (item, ordered)
    return found


def ensure_layouts(session: Session, ids: Iterable[int]) -> None:
    """Store the given layouts (all made by ``layout_for``) unless they are stored already."""
    rows = [
        {
            "id": i,
            "item": _KNOWN[i][0],
            "codes": list(_KNOWN[i][1]),
            "positions": {code: n for n, code in enumerate(_KNOWN[i][1])},
            "created_at": utcnow(),
        }
        for i in sorted(set(ids))
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(RecordLayout).values(rows).on_conflict_do_nothing())


def layout_codes(session: Session | None, layout: int) -> tuple[str, ...]:
    """The codes of a stored layout, read once per process."""
    if layout not in _KNOWN:
        if session is None:
            raise LookupError(f"记录布局 {layout} 未载入")
        row = session.execute(
            select(RecordLayout.item, RecordLayout.codes).where(RecordLayout.id == layout)
        ).one()
        _KNOWN[layout] = (row.item, tuple(row.codes))
    return _KNOWN[layout][1]


def as_dict(codes: tuple[str, ...], values: list[Any]) -> dict[str, Any]:
    """A record's fields by code (fields without a value left out)."""
    return {code: value for code, value in zip(codes, values, strict=True) if value is not None}
