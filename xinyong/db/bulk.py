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


def insert_frame(session: Session, table: str, frame: pl.DataFrame) -> None:
    """Append the frame's rows to ``table`` (column names = frame column names)."""
    if frame.height == 0:
        return
    connection = session.connection()
    columns = ", ".join(frame.columns)
    if connection.dialect.name == "postgresql":
        buffer = io.BytesIO()
        frame.write_csv(
            buffer,
            include_header=False,
            datetime_format=_DATETIME_FORMAT,
            date_format="%Y-%m-%d",
            null_value="",
        )
        raw: Any = connection.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(buffer.getvalue())
        return
    placeholders = ", ".join("?" for _ in frame.columns)
    raw_sqlite: Any = connection.connection.driver_connection
    raw_sqlite.executemany(
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
        _sqlite_ready(frame).iter_rows(),
    )


def among(session: Session, column: Any, values: list[Any], item_type: Any = None) -> Any:
    """``column IN values``; on PostgreSQL one array parameter instead of one per value."""
    if session.get_bind().dialect.name == "postgresql":
        array = postgresql.ARRAY(item_type if item_type is not None else String())
        return column == any_(literal(values, type_=array))
    return column.in_(values)
