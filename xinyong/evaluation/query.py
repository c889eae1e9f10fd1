"""What a model reads, as SQL group-bys over the records: one statement per set of catalog
items, each row a subject with, per indicator (and veto), the number of records selected,
their sum or latest value, and their ids. The database does the filtering and grouping;
``engine`` scores the result in Polars. The same statements serve a full run and a re-grade
of a few subjects (``subject_ids``), on PostgreSQL and SQLite.
"""

from __future__ import annotations

import calendar
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import polars as pl
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from xinyong.catalog.registry import Catalog
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


AS_OF = "as_of"
SUBJECTS = "subject_ids"


def _day(name: str) -> BindParameter[date]:
    return bindparam(name, type_=Date())


def condition(
    part: Part, dialect: str, catalog: Catalog, items: bool = True
) -> ColumnElement[bool]:
    """Which records a part selects on the day bound as ``as_of`` (its window's start is
    bound as ``start_<key>``; ``items``: test the item too)."""
    source = part.source
    found: list[ColumnElement[bool]] = [Record.status.in_(source.status)]
    if items:
        found.append(Record.item.in_(source.items))
    if source.severity:
        found.append(Record.severity.in_(source.severity))
    for code, values in sorted(source.fields.items()):
        found.append(_field(dialect, code).in_(values))
    as_of = _day(AS_OF)
    if source.window.in_force:
        began = func.coalesce(Record.valid_from, Record.decision_date)
        found += [
            publicity_period_condition(catalog, as_of),  # type: ignore[arg-type]
            or_(began.is_(None), began <= as_of),
        ]
    else:
        column = getattr(Record, source.window.column)
        found += [column > _day(f"start_{part.key}"), column <= as_of]
    return and_(*found)


def parameters(every: Sequence[Part], as_of: date) -> dict[str, Any]:
    """The bound values of the statements reading ``every`` part on ``as_of``."""
    found: dict[str, Any] = {AS_OF: as_of}
    for part in every:
        if not part.source.window.in_force:
            found[f"start_{part.key}"] = window_start(part.source.window, as_of)
    return found


def _ids(dialect: str, selected: ColumnElement[bool]) -> ColumnElement[Any]:
    picked = case((selected, Record.id))
    if dialect == "postgresql":
        return func.string_agg(cast(picked, String()), ",")
    return func.group_concat(picked)


def _aggregates(
    part: Part, dialect: str, catalog: Catalog, items: bool
) -> list[ColumnElement[Any]]:
    selected = condition(part, dialect, catalog, items)
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


def among_subjects(dialect: str, column: Any) -> ColumnElement[bool]:
    """``column`` in the subject ids bound as ``subject_ids``: one parameter whatever their
    number (an array on PostgreSQL, a JSON array read by ``json_each`` on SQLite)."""
    if dialect == "postgresql":
        return column == any_(bindparam(SUBJECTS, type_=postgresql.ARRAY(Integer())))
    listed = func.json_each(bindparam(SUBJECTS, type_=String())).table_valued("value")
    return column.in_(select(listed.c.value))


def subject_values(dialect: str, subject_ids: Sequence[int]) -> Any:
    return list(subject_ids) if dialect == "postgresql" else json.dumps(list(subject_ids))


@dataclass(frozen=True)
class Reading:
    """One statement: the parts it reads (one per distinct source), the parts that share a
    source with one of them (``copies``: key -> the key read), and the earliest day it needs
    (``floor``: bound as ``floor_<n>``, the earliest window start of ``floor_of``)."""

    parts: list[Part]
    copies: dict[str, str]
    statement: AnySelect
    floor: str | None
    floor_of: tuple[str, ...]
    items: tuple[str, ...] = ()


def _source_key(source: Source) -> str:
    aggregate = "count" if source.aggregate in ("count", "exists") else source.aggregate
    return source.model_copy(update={"aggregate": aggregate}).model_dump_json()


def _grouped(
    columns: list[ColumnElement[Any]], where: list[ColumnElement[bool]], joins: bool, dialect: str
) -> AnySelect:
    statement = select(Record.subject_id, *columns).where(*where)
    if joins:
        statement = statement.join(RecordLayout, RecordLayout.id == Record.layout_id)
    # SQLite would walk the subject index for the grouping, reading every record of every
    # item; ``+subject_id`` leaves it the item index (or the table) and a sort.
    if dialect == "sqlite":
        return statement.group_by(literal_column("+records.subject_id"))
    return statement.group_by(Record.subject_id)


def statements(
    every: Sequence[Part],
    dialect: str,
    catalog: Catalog,
    by_subject: bool,
    together: bool = False,
) -> list[Reading]:
    """The statements reading ``every`` part: one per distinct set of items (each reads its
    items' records only; for a whole population from the earliest day its windows need), or
    with ``together`` one reading all records of some subjects (``by_subject``: their ids
    bound as ``subject_ids``; a few of them). Parts with the same source (models often share
    one) are read once. Days are bound (``parameters``), so a plan serves every day."""
    groups: dict[tuple[str, ...], list[Part]] = {}
    for part in every:
        items = tuple(sorted(part.source.items))
        groups.setdefault(() if together else items, []).append(part)
    found = []
    for n, (group, members) in enumerate(groups.items()):
        read: dict[str, Part] = {}
        copies: dict[str, str] = {}
        for part in members:
            first = read.setdefault(_source_key(part.source), part)
            if first is not part:
                copies[part.key] = first.key
        distinct = list(read.values())
        items = group or tuple(sorted({i for p in distinct for i in p.source.items}))
        together = not group or len(group) > 1
        columns = [c for p in distinct for c in _aggregates(p, dialect, catalog, together)]
        where: list[ColumnElement[bool]] = [
            Record.is_current.is_(True),
            Record.item.in_(items) if len(items) > 1 else Record.item == items[0],
        ]
        if by_subject:
            where.append(among_subjects(dialect, Record.subject_id))
        windows = [p.source.window for p in distinct]
        floor = None
        if not by_subject and all(w.column == "decision_date" and not w.in_force for w in windows):
            floor = f"floor_{n}"  # the item index's range: (item, decision_date)
            where.append(Record.decision_date > _day(floor))
        joins = any(
            p.source.fields
            or (p.source.aggregate == "latest" and p.source.value not in LATEST_COLUMNS)
            for p in distinct
        )

        found.append(
            Reading(
                distinct,
                copies,
                _grouped(columns, where, joins, dialect),
                floor,
                tuple(p.key for p in distinct),
                items,
            )
        )
    return found


SCAN_SHARE = 0.05  # of the records table: above it an item is read in one pass over the table
SCAN_MIN_RECORDS = 200_000  # below it everything is in the page cache anyway


def scanned_items(session: Session, items: Sequence[str]) -> set[str]:
    """SQLite: the items holding so large a share of the records that one pass over the
    table reads them faster than the item index does (its entries are counted, not the
    records read)."""
    total = session.execute(select(func.max(Record.id))).scalar() or 0
    if total < SCAN_MIN_RECORDS:
        return set()
    counts = session.execute(
        select(Record.item, func.count()).where(Record.item.in_(items)).group_by(Record.item)
    ).all()
    return {item for item, n in counts if n > SCAN_SHARE * total}


def reading_parameters(
    readings: Sequence[Reading], every: Sequence[Part], as_of: date
) -> dict[str, Any]:
    """``parameters`` plus each reading's floor."""
    found = parameters(every, as_of)
    for reading in readings:
        if reading.floor is not None:
            found[reading.floor] = min(found[f"start_{key}"] for key in reading.floor_of)
    return found


def copied(frame: pl.DataFrame, reading: Reading) -> pl.DataFrame:
    """The frame with the columns of the parts that share another part's source."""
    if not reading.copies:
        return frame
    return frame.with_columns(
        pl.col(f"{prefix}_{key}").alias(f"{prefix}_{dup}")
        for dup, key in reading.copies.items()
        for prefix in ("n", "ids", "s", "l")
        if f"{prefix}_{key}" in frame.columns
    )


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


def read_frame(
    session: Session,
    statement: AnySelect,
    schema: dict[str, Any],
    params: dict[str, Any] | None = None,
    copy: bool = True,
) -> pl.DataFrame:
    """Run ``statement`` into a frame: on PostgreSQL as CSV through COPY (no Python object per
    value), on SQLite through the driver's rows without SQLAlchemy's result processing; with
    ``copy`` off (a few rows), as an ordinary cached statement."""
    connection = session.connection()
    if connection.dialect.name == "postgresql" and copy:
        bound = statement.params(**params) if params else statement
        sql = str(bound.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        buffer = io.BytesIO()
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as rows:
            for block in rows:
                buffer.write(block)
        if not buffer.tell():
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        return pl.read_csv(
            buffer, has_header=False, new_columns=list(schema), schema_overrides=schema
        )
    if connection.dialect.name == "sqlite" and copy:
        # Many rows: straight from the driver (no result processing per value), dates as text.
        bound = statement.params(**params) if params else statement
        sql = str(bound.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        raw_sqlite: Any = connection.connection.driver_connection
        texts = {k: pl.String if v == pl.Date else v for k, v in schema.items()}
        rows = raw_sqlite.execute(sql).fetchall()
        frame = pl.DataFrame(rows, schema=texts, orient="row", strict=False)
        return frame.with_columns(
            pl.col(k).str.to_date("%Y-%m-%d") for k, v in schema.items() if v == pl.Date
        )
    rows = connection.execute(statement, params or {}).all()
    return pl.DataFrame(rows, schema=schema, orient="row")


@lru_cache(maxsize=64)
def _population(kinds: tuple[str, ...], dialect: str, by_subject: bool) -> AnySelect:
    statement = select(Subject.id.label("subject_id"), Subject.kind).where(Subject.kind.in_(kinds))
    if by_subject:
        statement = statement.where(among_subjects(dialect, Subject.id))
    return statement.order_by(Subject.id)


def population(
    session: Session, kinds: Sequence[str], subject_ids: Sequence[int] | None = None
) -> pl.DataFrame:
    """The subjects of ``kinds`` (or ``subject_ids`` among them): id and kind."""
    dialect = session.get_bind().dialect.name
    by_subject = subject_ids is not None
    statement = _population(tuple(sorted(kinds)), dialect, by_subject)
    params = {SUBJECTS: subject_values(dialect, subject_ids)} if subject_ids is not None else {}
    schema = {"subject_id": pl.Int64, "kind": pl.String}
    few = subject_ids is not None and len(subject_ids) <= 1000
    return read_frame(session, statement, schema, params, copy=not few)
