"""Hot-path helpers: statements run many times a second with a few rows each.

On PostgreSQL these go straight to the psycopg connection under the session (same
transaction), skipping SQLAlchemy's per-statement compilation and result processing, which
cost more than the statement itself. Rows to insert travel as one JSON array
(``json_populate_recordset``): the statement text is the same for any number of rows, so it
is prepared once, and it costs one round trip. On SQLite the same work goes through
SQLAlchemy (``executemany``). The ``_async`` variants serve the credit-check service, which
talks to PostgreSQL from the event loop.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import namedtuple_row
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def driver_connection(session: Session) -> Any | None:
    """The psycopg connection under ``session`` on PostgreSQL (in its transaction), else None."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return None
    return connection.connection.driver_connection


def fetch_named(driver: Any, sql: str, params: dict[str, Any]) -> list[Any]:
    """Run ``sql`` on a psycopg connection; rows come back as named tuples."""
    with driver.cursor(row_factory=namedtuple_row) as cursor:
        return list(cursor.execute(sql, params).fetchall())


@lru_cache(maxsize=64)
def _populate(table: str, columns: tuple[str, ...], name: str) -> str:
    names = ", ".join(columns)
    return (
        f"INSERT INTO {table} ({names}) "
        f"SELECT {names} FROM json_populate_recordset(NULL::{table}, %({name})s)"
    )


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's transaction.

    Rows must be complete: Python-side column defaults are not applied on PostgreSQL.
    """
    if not rows:
        return
    driver = driver_connection(session)
    if driver is None:
        session.connection().execute(insert(table), rows)
        return
    driver.execute(*_populate_call(table, rows))


def populate_cte(parts: list[tuple[Table, list[dict[str, Any]]]]) -> tuple[str, dict[str, str]]:
    """A ``WITH`` clause inserting each part's rows, to prefix one more statement with.

    Data-modifying CTEs let one statement (one round trip) write to several tables.
    """
    clauses: list[str] = []
    params: dict[str, str] = {}
    for n, (table, rows) in enumerate(p for p in parts if p[1]):
        sql, values = _populate_call(table, rows, f"rows{n}")
        clauses.append(f"w{n} AS ({sql})")
        params |= values
    return ("WITH " + ", ".join(clauses) + " " if clauses else ""), params


async def fetch_named_async(
    connection: AsyncConnection[Any], sql: str, params: dict[str, Any]
) -> list[Any]:
    """``fetch_named`` on an async psycopg connection."""
    async with connection.cursor(row_factory=namedtuple_row) as cursor:
        await cursor.execute(sql, params)
        return list(await cursor.fetchall())


def _populate_call(
    table: Table, rows: list[dict[str, Any]], name: str = "rows"
) -> tuple[str, dict[str, str]]:
    payload = json.dumps(rows, ensure_ascii=False, default=str)
    return _populate(table.name, tuple(rows[0]), name), {name: payload}
