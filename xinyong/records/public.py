"""Is a record public on day D: the one definition, as a plain predicate and as SQL.

``is_public`` (Python) and ``public_condition`` (SQLAlchemy) say the same thing, and so do
``in_publicity_period``, ``publicity_period_condition`` and ``publicity_period_sql`` (text,
for statements written as SQL such as the credit check lookup); tests/records runs each SQL
form against its plain form on both databases. The period itself is
``xinyong.publicity.periods.in_period``: end dates are exclusive, and a missing end date
means "no end" only under the rules that have none (``OPEN_ENDED_RULES``), never for a
penalty.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_

from xinyong.catalog.registry import Catalog
from xinyong.publicity.periods import ends_open, in_period
from xinyong.records.models import Record

_ITEM_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def open_ended_items(catalog: Catalog) -> list[str]:
    """Items whose records without an end date are inside their period for ever."""
    return [code for code, item in catalog.items.items() if ends_open(item.publicity)]


def in_publicity_period(catalog: Catalog, item: str, end: date | None, day: date) -> bool:
    """Whether a record of ``item`` whose period ends at ``end`` is inside it on ``day``."""
    return in_period(catalog.item(item).publicity, end, day)


def publicity_period_condition(catalog: Catalog, day: date) -> ColumnElement[bool]:
    """``in_publicity_period`` as a condition on records."""
    open_items = open_ended_items(catalog)
    no_end = and_(Record.publicity_end.is_(None), Record.item.in_(open_items))
    return or_(Record.publicity_end > day, no_end if open_items else false())


def period_over_condition(day: date) -> ColumnElement[bool]:
    """Records whose recorded publicity period has ended by ``day``: those with an end date
    not ``in_publicity_period`` on that day (what the daily job marks ``expired``)."""
    return and_(Record.publicity_end.is_not(None), Record.publicity_end <= day)


def publicity_period_sql(catalog: Catalog, alias: str, day: str) -> str:
    """``in_publicity_period`` as SQL text on the records table aliased ``alias``, ``day``
    being the placeholder (or expression) of the day; the same on PostgreSQL and SQLite."""
    open_items = open_ended_items(catalog)
    assert all(_ITEM_CODE.match(code) for code in open_items)  # safe as SQL literals
    listed = ", ".join(f"'{code}'" for code in open_items)
    no_end = f"{alias}.publicity_end IS NULL AND {alias}.item IN ({listed})" if listed else "1=0"
    return f"({alias}.publicity_end > {day} OR ({no_end}))"


def is_public(record: Record, catalog: Catalog, day: date) -> bool:
    """Whether the public may see ``record`` on ``day``: the current version, active, of a
    public item, published when its item needs publication, inside its publicity period."""
    item = catalog.items.get(record.item)
    return bool(
        item is not None
        and record.is_current
        and record.status == "active"
        and record.item in catalog.public_items
        and (record.published_at is not None or not item.publicity.requires_publication)
        and in_period(item.publicity, record.publicity_end, day)
    )


def public_condition(catalog: Catalog, day: date) -> ColumnElement[bool]:
    """``is_public`` as a condition on records."""
    needs_publication = [
        code for code, item in catalog.items.items() if item.publicity.requires_publication
    ]
    return and_(
        Record.is_current.is_(True),
        Record.status == "active",
        Record.item.in_(catalog.public_items),
        publicity_period_condition(catalog, day),
        or_(Record.item.not_in(needs_publication), Record.published_at.is_not(None)),
    )
