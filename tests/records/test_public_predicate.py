""" "Is this record public on day D" has one definition: every SQL form of it (the public view's
condition, the credit check lookup's text on each driver, the daily job's expiry) selects
exactly the records its plain Python form accepts, on a grid of records around D."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import polars as pl
import pytest
from helpers import org, run_coroutine
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.db.engine import get_engine
from xinyong.measures import lookup
from xinyong.records.derive import values_frame
from xinyong.records.models import Record
from xinyong.records.public import (
    in_publicity_period,
    is_public,
    period_over_condition,
    public_condition,
    publicity_period_condition,
    publicity_period_sql,
)
from xinyong.records.store import (
    IDENTITY,
    SUBJECT_ID,
    prepare_records,
    subject_key,
    write_versions,
)

DAY = date(2026, 11, 22)
DAYS = [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
# One item per publicity rule and kind of check: penalties (tiers, need publication,
# checkable when serious), lists (valid while listed, checkable), licences (need
# publication), fixed years, registration (always), and a non-public item.
ITEMS = [
    "admin_penalty",
    "black_list",
    "dishonest_judgment_debtor",
    "admin_license",
    "commitment_breach",
    "registration_basics",
    "utility_arrears",
]
ENDS = [None, *DAYS]


def _values(code: str, n: int) -> dict[str, Any]:
    item = get_catalog().item(code)
    values: dict[str, Any] = {k: f"N{n}" for k in item.natural_key if k != "subject"}
    if item.columns.decision_date:
        values[item.columns.decision_date] = "2026-05-01"
    if item.columns.penalty_categories:
        values[item.columns.penalty_categories] = ["罚款"]
    return values


@pytest.fixture
def grid(session: Session) -> list[Record]:
    """Records of every item with every end around DAY, status, currency and publication."""
    subject = org(session)
    catalog = get_catalog()
    states = list(itertools.product(ENDS, ("active", "expired"), (True, False), (True, False)))
    changes = []
    for code in ITEMS:
        severities = ("serious", "general") if code == "admin_penalty" else (None,)
        combos = list(itertools.product(states, severities))
        item = catalog.item(code)
        rows = [_values(code, n) for n in range(len(combos))]
        frame = values_frame(item, rows).with_columns(
            pl.lit(subject.id).alias(SUBJECT_ID), pl.lit(subject_key(subject)).alias(IDENTITY)
        )
        written = write_versions(session, prepare_records(item, frame, department_id=None))
        keys = written["record_key"].to_list()
        ids = {key: id_ for key, id_ in session.execute(select(Record.record_key, Record.id))}
        for key, ((end, status, current, published), severity) in zip(keys, combos, strict=True):
            changes.append(
                {
                    "id": ids[key],
                    "publicity_end": end,
                    "status": status,
                    "is_current": current,
                    "published_at": datetime(2026, 5, 2) if published else None,
                    "severity": severity,
                }
            )
    session.execute(update(Record), changes)
    session.commit()
    return list(session.execute(select(Record)).scalars())


def _ids(session: Session, condition: Any) -> set[int]:
    return set(session.execute(select(Record.id).where(condition)).scalars())


def test_the_public_view_condition_is_the_plain_predicate(
    session: Session, grid: list[Record]
) -> None:
    catalog = get_catalog()
    for day in DAYS:
        expected = {r.id for r in grid if is_public(r, catalog, day)}
        assert _ids(session, public_condition(catalog, day)) == expected, day
        assert expected  # the grid has public records on each day, and hidden ones
        assert len(expected) < len(grid)


def test_the_period_condition_sql_text_and_expiry_are_the_plain_predicate(
    session: Session, grid: list[Record]
) -> None:
    for day in DAYS:
        _period_forms_agree(session, grid, day)


def _period_forms_agree(session: Session, grid: list[Record], day: date) -> None:
    catalog = get_catalog()
    inside = {r.id for r in grid if in_publicity_period(catalog, r.item, r.publicity_end, day)}
    assert _ids(session, publicity_period_condition(catalog, day)) == inside
    sql = f"SELECT r.id FROM records r WHERE {publicity_period_sql(catalog, 'r', ':day')}"
    assert set(session.execute(text(sql), {"day": day}).scalars()) == inside
    over = {r.id for r in grid if r.publicity_end is not None and r.id not in inside}
    assert _ids(session, period_over_condition(day)) == over
    # A penalty without an end date is never inside its period; a list entry is.
    no_end = {r.item for r in grid if r.publicity_end is None and r.id in inside}
    assert "admin_penalty" not in no_end and "black_list" in no_end


def _checkable(record: Record) -> bool:
    lists = set(lookup.list_of_item())
    return record.item in lists or (record.item == "admin_penalty" and record.severity == "serious")


def test_the_credit_check_lookup_finds_the_records_in_their_period(
    session: Session, grid: list[Record]
) -> None:
    """On PostgreSQL through psycopg and asyncpg, on SQLite through SQLAlchemy."""
    for day in DAYS:
        _lookup_agrees(session, grid, day)


def _lookup_agrees(session: Session, grid: list[Record], day: date) -> None:
    catalog = get_catalog()
    expected = {
        r.id
        for r in grid
        if r.is_current
        and r.status == "active"
        and _checkable(r)
        and in_publicity_period(catalog, r.item, r.publicity_end, day)
    }
    assert expected
    subject_id = grid[0].subject_id
    found = lookup.by_id(session, [subject_id], day)[subject_id]
    assert {hit["record_id"] for hit in found.hits} == expected
    if session.get_bind().dialect.name == "postgresql":

        async def by_asyncpg() -> dict[int, lookup.Found]:
            url = get_engine().url.set(drivername="postgresql").render_as_string(False)
            connection = await asyncpg.connect(url)
            try:
                return await lookup.by_id_async(connection, [subject_id], day)
            finally:
                await connection.close()

        hits = run_coroutine(by_asyncpg())[subject_id].hits
        assert {hit["record_id"] for hit in hits} == expected
