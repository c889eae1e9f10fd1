"""Hot-path helpers: statements run many times a second with a few rows each.

On PostgreSQL these go straight to the psycopg connection under the session (same
transaction), skipping SQLAlchemy's per-statement compilation and result processing, which
cost more than the statement itself. Rows to insert travel as one JSON array
(``json_populate_recordset``): the statement text is the same for any number of rows, so it
is prepared once, and it costs one round trip. On SQLite the same work goes through
SQLAlchemy (``executemany``). The ``_async`` variants serve the credit-check service, which
talks to PostgreSQL from the event loop through asyncpg (about half psycopg's client CPU per
round trip); their statements take numbered parameters (``$1``), see ``numbered``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import asyncpg
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
def _populate(table: str, columns: tuple[str, ...], placeholder: str) -> str:
    names = ", ".join(columns)
    return (
        f"INSERT INTO {table} ({names}) "
        f"SELECT {names} FROM json_populate_recordset(NULL::{table}, {placeholder})"
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


def populate_cte(parts: list[tuple[Table, list[dict[str, Any]]]]) -> tuple[str, list[str]]:
    """A ``WITH`` clause inserting each part's rows, to prefix one more statement with, and
    its arguments (``$1``, ``$2``, ... in order; the statement's own start after them).

    Data-modifying CTEs let one statement (one round trip) write to several tables.
    """
    clauses: list[str] = []
    payloads: list[str] = []
    for n, (table, rows) in enumerate(p for p in parts if p[1]):
        payloads.append(_payload(rows))
        sql = _populate(table.name, tuple(rows[0]), f"${len(payloads)}")
        clauses.append(f"w{n} AS ({sql})")
    return ("WITH " + ", ".join(clauses) + " " if clauses else ""), payloads


class Row(asyncpg.Record):
    """An asyncpg record whose columns are also attributes, like psycopg's named tuples."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


async def fetch_named_async(connection: asyncpg.Connection, sql: str, args: list[Any]) -> list[Row]:
    """``fetch_named`` on an asyncpg connection; ``sql`` takes numbered parameters."""
    return list(await connection.fetch(sql, *args, record_class=Row))


_NAMED = re.compile(r"%\((\w+)\)s")


def numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with psycopg's ``%(name)s`` parameters as asyncpg's ``$1``, ``$2``, ... and the
    names in their order (a name used twice keeps its number)."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return _NAMED.sub(number, sql), tuple(names)


def _payload(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, default=str)


def _populate_call(
    table: Table, rows: list[dict[str, Any]], name: str = "rows"
) -> tuple[str, dict[str, str]]:
    return _populate(table.name, tuple(rows[0]), f"%({name})s"), {name: _payload(rows)}
