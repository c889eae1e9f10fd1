"""Bulk inserts of Polars frames: COPY on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from sqlalchemy import String, any_, literal
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S%.6f"


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            exprs.append(col.dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.strftime(_DATETIME_FORMAT))
        elif isinstance(dtype, pl.Decimal):
            exprs.append(col.cast(pl.String))
        elif dtype == pl.Boolean:
            exprs.append(col.cast(pl.Int8))
        else:
            exprs.append(col)
    return frame.select(exprs)


_TEXT_SPECIAL = ["\\", "\n", "\r", "\t"]
_TEXT_ESCAPED = ["\\\\", "\\n", "\\r", "\\t"]


def _copy(connection: Any, table: str, frame: pl.DataFrame) -> None:
    """COPY in PostgreSQL's text format: tab-separated, backslash escapes, no quoting (so the
    JSON columns' many quotes travel as they are, unlike CSV, which doubles them)."""
    escaped = frame.with_columns(
        pl.col(name).str.replace_many(_TEXT_SPECIAL, _TEXT_ESCAPED)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )
    buffer = io.BytesIO()
    escaped.write_csv(
        buffer,
        include_header=False,
        separator="\t",
        quote_style="never",
        datetime_format=_DATETIME_FORMAT,
        date_format="%Y-%m-%d",
        null_value="\\N",
    )
    raw: Any = connection.connection.driver_connection
    columns = ", ".join(frame.columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getbuffer())


def insert_frame(session: Session, table: str, frame: pl.DataFrame) -> None:
    """Append the frame's rows to ``table`` (column names = frame column names)."""
    if frame.height == 0:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table, frame)
        return
    ready = _sqlite_ready(frame)
    constant = [
        c
        for c, dtype in ready.schema.items()
        if (dtype == pl.String or dtype == pl.Null or dtype.is_integer())
        and ready.height > 1
        and ready[c].n_unique() == 1
    ][: len(ready.columns) - 1]  # at least one bound column: executemany runs once per row
    varying = [c for c in ready.columns if c not in constant]
    names = ", ".join([*varying, *constant])
    values = ", ".join(["?"] * len(varying) + [_sql_literal(ready[c][0]) for c in constant])
    raw_sqlite: Any = connection.connection.driver_connection
    raw_sqlite.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({values})",
        zip(*(ready[c].to_list() for c in varying), strict=True),
    )


def _sql_literal(value: Any) -> str:
    """A value the same for every row, written into the statement once instead of bound
    per row (executemany then binds only the columns that vary)."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def among(session: Session, column: Any, values: list[Any], item_type: Any = None) -> Any:
    """``column IN values``; on PostgreSQL one array parameter instead of one per value."""
    if session.get_bind().dialect.name == "postgresql":
        array = postgresql.ARRAY(item_type if item_type is not None else String())
        return column == any_(literal(values, type_=array))
    return column.in_(values)
