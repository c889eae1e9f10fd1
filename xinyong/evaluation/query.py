"""What a model reads, as SQL group-bys over the records: one statement per set of catalog
items, each row a subject with, per indicator (and veto), the number of records selected,
their sum or latest value, and their ids. The database does the filtering and grouping;
``engine`` scores the result in Polars. The same statements serve a full run and a re-grade
of a few subjects (``subject_ids``), on PostgreSQL and SQLite.
"""

from __future__ import annotations

import calendar
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from xinyong.catalog.registry import Catalog
from xinyong.db.bulk import among
from xinyong.evaluation.schema import LATEST_COLUMNS, EvaluationModel, Source, Window
from xinyong.records.layouts import RecordLayout
from xinyong.records.models import Record
from xinyong.records.public import publicity_period_condition
from xinyong.subjects.models import Subject


@dataclass(frozen=True)
class Part:
    """One indicator or veto as read: ``key`` prefixes its columns (``n_``, ``s_``, ``l_``,
    ``ids_``); ``order`` is its place in explanations (vetoes first)."""

    key: str
    code: str
    name: str
    dimension: str | None
    source: Source
    veto: bool
    order: int


def parts(model: EvaluationModel, prefix: str = "") -> list[Part]:
    """The model's vetoes then indicators; ``prefix`` keeps several models' columns apart."""
    found = [
        Part(f"{prefix}v{n}", v.code, v.name, None, v.source, True, n)
        for n, v in enumerate(model.vetoes)
    ]
    start = len(found)
    found += [
        Part(f"{prefix}i{n}", i.code, i.name, d.code, i.source, False, start + n)
        for n, (d, i) in enumerate(model.indicators)
    ]
    return found


def months_back(day: date, months: int) -> date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_start(window: Window, as_of: date) -> date | None:
    """The first day of a window (exclusive): records decided after it and up to ``as_of``."""
    if window.years:
        return months_back(as_of, 12 * window.years)
    if window.months:
        return months_back(as_of, window.months)
    if window.days:
        return as_of - timedelta(days=window.days)
    return None


def _field(dialect: str, code: str) -> ColumnElement[Any]:
    """One field of a record, read from its values by its layout's positions (the code is
    checked against the catalog's pattern, so it is safe in the SQL text)."""
    assert code.replace("_", "").isalnum() and code.isupper()
    if dialect == "postgresql":
        sql = f"(records.fields ->> ((record_layouts.positions ->> '{code}')::int))"
    else:
        sql = (
            "json_extract(records.fields, '$[' || "
            f"json_extract(record_layouts.positions, '$.{code}') || ']')"
        )
    return literal_column(sql, String())


def condition(
    source: Source, as_of: date, dialect: str, catalog: Catalog, items: bool = True
) -> ColumnElement[bool]:
    """Which records an indicator selects on ``as_of`` (``items``: test the item too)."""
    found: list[ColumnElement[bool]] = [Record.status.in_(source.status)]
    if items:
        found.append(Record.item.in_(source.items))
    if source.severity:
        found.append(Record.severity.in_(source.severity))
    for code, values in sorted(source.fields.items()):
        found.append(_field(dialect, code).in_(values))
    window = source.window
    if window.in_force:
        began = func.coalesce(Record.valid_from, Record.decision_date)
        found += [
            publicity_period_condition(catalog, as_of),
            or_(began.is_(None), began <= as_of),
        ]
    else:
        column = getattr(Record, window.column)
        start = window_start(window, as_of)
        found += [column > start, column <= as_of]
    return and_(*found)


def _ids(dialect: str, selected: ColumnElement[bool]) -> ColumnElement[Any]:
    picked = case((selected, Record.id))
    if dialect == "postgresql":
        return func.string_agg(cast(picked, String()), ",")
    return func.group_concat(picked)


def _aggregates(
    part: Part, as_of: date, dialect: str, catalog: Catalog, items: bool
) -> list[ColumnElement[Any]]:
    selected = condition(part.source, as_of, dialect, catalog, items)
    columns: list[ColumnElement[Any]] = [
        func.count(case((selected, 1))).label(f"n_{part.key}"),
        _ids(dialect, selected).label(f"ids_{part.key}"),
    ]
    source = part.source
    if source.aggregate == "sum":
        columns.append(
            func.sum(case((selected, getattr(Record, str(source.value))))).label(f"s_{part.key}")
        )
    if source.aggregate == "latest":
        value = (
            getattr(Record, str(source.value))
            if source.value in LATEST_COLUMNS
            else _field(dialect, str(source.value))
        )
        dated = func.coalesce(cast(Record.decision_date, String()), "") + "|" + value
        columns.append(func.max(case((selected, dated))).label(f"l_{part.key}"))
    return columns


def statements(
    every: list[Part],
    as_of: date,
    dialect: str,
    catalog: Catalog,
    session: Session | None = None,
    subject_ids: Sequence[int] | None = None,
) -> list[tuple[list[Part], AnySelect]]:
    """The statements reading ``every`` part, with the parts each reads: for a whole
    population one per distinct set of items (each reads its items' records only); for
    a few subjects (``subject_ids``) one statement reading all of theirs."""
    groups: dict[tuple[str, ...], list[Part]] = {}
    for part in every:
        items = tuple(sorted(part.source.items))
        groups.setdefault(items if subject_ids is None else (), []).append(part)
    found = []
    for group, members in groups.items():
        items = group or tuple(sorted({i for p in members for i in p.source.items}))
        together = not group or len(group) > 1
        columns = [c for p in members for c in _aggregates(p, as_of, dialect, catalog, together)]
        where: list[ColumnElement[bool]] = [
            Record.is_current.is_(True),
            Record.item.in_(items) if len(items) > 1 else Record.item == items[0],
        ]
        if subject_ids is not None:
            assert session is not None
            where.append(among(session, Record.subject_id, list(subject_ids), Integer()))
        statement = select(Record.subject_id, *columns).where(*where)
        if any(p.source.fields or p.source.value not in (None, *LATEST_COLUMNS) for p in members):
            statement = statement.join(RecordLayout, RecordLayout.id == Record.layout_id)
        found.append((members, statement.group_by(Record.subject_id)))
    return found


def schema_of(members: list[Part]) -> dict[str, Any]:
    schema: dict[str, Any] = {"subject_id": pl.Int64}
    for part in members:
        schema[f"n_{part.key}"] = pl.Int64
        schema[f"ids_{part.key}"] = pl.String
        if part.source.aggregate == "sum":
            schema[f"s_{part.key}"] = pl.Float64
        if part.source.aggregate == "latest":
            schema[f"l_{part.key}"] = pl.String
    return schema


AnySelect = Select[*tuple[Any, ...]]


def read_frame(session: Session, statement: AnySelect, schema: dict[str, Any]) -> pl.DataFrame:
    """Run ``statement`` into a frame: on PostgreSQL as CSV through COPY (no Python object per
    value), on SQLite through the driver's rows."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        sql = str(
            statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        )
        buffer = io.BytesIO()
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
        if not buffer.tell():
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        return pl.read_csv(
            buffer, has_header=False, new_columns=list(schema), schema_overrides=schema
        )
    rows = connection.execute(statement).all()
    return pl.DataFrame(rows, schema=schema, orient="row")


def population(
    session: Session, kinds: Sequence[str], subject_ids: Sequence[int] | None = None
) -> pl.DataFrame:
    """The subjects of ``kinds`` (or ``subject_ids`` among them): id and kind."""
    statement = select(Subject.id.label("subject_id"), Subject.kind).where(
        Subject.kind.in_(sorted(kinds))
    )
    if subject_ids is not None:
        statement = statement.where(among(session, Subject.id, list(subject_ids), Integer()))
    return read_frame(
        session, statement.order_by(Subject.id), {"subject_id": pl.Int64, "kind": pl.String}
    )
