"""Computing the monitoring indicators of one month.

Each part of an indicator is one SQL query over one table (``indicators.yaml``), read into a
Polars frame: the row's id, its department, its measured amount and the columns its check
reads. Checks and amounts are vectorised (working days are differences of the official
calendar's running count, ``xinyong.workdays.calendar_index``), so a later Spark path can run
the same expressions. The value and the rows counted in each part are stored
(``monitoring_values``, ``monitoring_rows``): a month computed again replaces its values.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.clock import utcnow
from xinyong.db.bulk import insert_frame
from xinyong.monitoring.followups import open_followups
from xinyong.monitoring.models import MonitoringRow, MonitoringValue
from xinyong.monitoring.registry import (
    TABLES,
    Amount,
    Check,
    Indicator,
    IndicatorVersion,
    Part,
    indicators_for,
)
from xinyong.publicity.periods import add_months
from xinyong.workdays import CalendarGapError, calendar_index


class MonitoringError(ValueError):
    """A monitoring request that cannot be done; the message is in Chinese."""


@dataclass(frozen=True)
class Month:
    code: str  # YYYY-MM
    start: date
    next: date

    @property
    def last(self) -> date:
        return self.next - timedelta(days=1)

    def previous(self) -> Month:
        return parse_month(add_months(self.start, -1).strftime("%Y-%m"))


def parse_month(raw: str) -> Month:
    try:
        year, month = (int(p) for p in raw.strip().split("-"))
        start = date(year, month, 1)
    except ValueError:
        raise MonitoringError(
            f"月份（month）“{raw}”不是 YYYY-MM 格式的月份，例如 2026-11"
        ) from None
    return Month(start.strftime("%Y-%m"), start, add_months(start, 1))


def sql_params(session: Session, month: Month) -> dict[str, Any]:
    values = {"start": month.start, "next": month.next, "last": month.last}
    if session.get_bind().dialect.name == "sqlite":  # dates are ISO text there
        return {k: v.isoformat() for k, v in values.items()}
    return values


def _as_date(series: pl.Series) -> pl.Series:
    if series.dtype == pl.Date:
        return series
    if series.dtype == pl.Datetime:
        return series.dt.date()
    if series.dtype == pl.String:
        return series.str.slice(0, 10).str.to_date(strict=False)
    return series.cast(pl.String).str.slice(0, 10).str.to_date(strict=False)


def working_days(start: pl.Series, end: pl.Series) -> pl.Series:
    """Working days after ``start`` up to ``end`` (None where either is missing)."""
    first, running = calendar_index()
    counts = pl.Series(running, dtype=pl.Int64)
    start_at = (_as_date(start) - first).dt.total_days()
    end_at = (_as_date(end) - first).dt.total_days()
    for offsets, days in ((start_at, start), (end_at, end)):
        known = offsets.drop_nulls()
        if known.len() and (known.min() < 0 or known.max() >= counts.len()):  # type: ignore[operator]
            bad = _as_date(days).filter((offsets < 0) | (offsets >= counts.len()))[0]
            raise CalendarGapError(f"工作日历未覆盖{bad.year}年，无法计算涉及{bad}的工作日数")
    present = start_at.is_not_null() & end_at.is_not_null()
    ends = counts.gather(end_at.fill_null(0))
    starts = counts.gather(start_at.fill_null(0))
    return pl.select(pl.when(present).then(ends - starts).otherwise(None)).to_series()


def passes(check: Check, frame: pl.DataFrame) -> pl.Series:
    """Which rows pass ``check`` (a missing date fails it, an end before the start too)."""
    if check.within_working_days:
        rule = check.within_working_days
        days = working_days(frame[f"c_{rule.start}"], frame[f"c_{rule.end}"])
        # Published before the decision is a wrong date, not a timely publication.
        return (days.is_not_null() & (days >= 0) & (days <= rule.days)).fill_null(False)
    assert check.on_or_before is not None
    rule2 = check.on_or_before
    day, due = _as_date(frame[f"c_{rule2.day}"]), _as_date(frame[f"c_{rule2.due}"])
    return (day.is_not_null() & due.is_not_null() & (day <= due)).fill_null(False)


def part_sql(part: Part, count_only: bool = False, extra: tuple[str, ...] = ()) -> str:
    table = part.from_
    assert table is not None
    key = f"{table}.{TABLES[table]}"
    if count_only:
        return f"SELECT count(*) FROM {table} WHERE {part.where or 'TRUE'}"
    columns = [
        f"{key} AS id",
        f"{table}.{part.department} AS department_id"
        if part.department
        else "NULL AS department_id",
    ]
    if isinstance(part.amount, str):
        columns.append(f"{part.amount} AS amount")
    columns += [f"{table}.{c} AS c_{c}" for c in dict.fromkeys([*part.columns, *extra])]
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {part.where or 'TRUE'}"


def read_part(
    session: Session, part: Part, params: dict[str, Any], extra: tuple[str, ...] = ()
) -> pl.DataFrame:
    """The part's rows: id, department_id, amount and the columns the checks read."""
    result = session.execute(text(part_sql(part, extra=extra)), params)
    names = list(result.keys())
    rows = result.all()
    frame = (
        pl.DataFrame([list(r) for r in rows], schema=names, orient="row", infer_schema_length=None)
        if rows
        else pl.DataFrame({n: [] for n in names})
    )
    frame = frame.with_columns(
        pl.col("id").cast(pl.String), pl.col("department_id").cast(pl.Int64, strict=False)
    )
    if isinstance(part.amount, Amount):
        span = part.amount.working_days
        amounts = working_days(frame[f"c_{span.start}"], frame[f"c_{span.end}"])
        frame = frame.with_columns(amounts.cast(pl.Float64).alias("amount"))
    elif "amount" in frame.columns:
        frame = frame.with_columns(pl.col("amount").cast(pl.Float64, strict=False))
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("amount"))
    return frame


@dataclass
class Outcome:
    indicator: Indicator
    numerator: int
    denominator: int
    value: float | None
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)  # part -> rows kept
    seconds: float = 0.0


def value_of(
    kind: str, num: pl.DataFrame, den: pl.DataFrame | None, den_count: int
) -> float | None:
    if kind == "count":
        return float(num.height)
    if kind == "average":
        amounts = num["amount"].drop_nulls()
        return round(float(amounts.mean()), 4) if amounts.len() else None  # type: ignore[arg-type]
    if kind == "sum_ratio":
        assert den is not None
        total = float(den["amount"].sum() or 0)
        return round(float(num["amount"].sum() or 0) / total, 6) if total else None
    return round(num.height / den_count, 6) if den_count else None


def evaluate(session: Session, indicator: Indicator, month: Month) -> Outcome:
    """One indicator's value and rows for ``month`` (nothing written)."""
    started = time.perf_counter()
    params = sql_params(session, month)
    den: pl.DataFrame | None = None
    den_count = 0
    frames: dict[str, pl.DataFrame] = {}
    part = indicator.denominator
    numerator = indicator.numerator
    if part is not None:
        checked = tuple(numerator.check.columns) if numerator.check else ()
        if part.keep_rows:
            den = read_part(session, part, params, checked)
            den_count = den.height
            frames["denominator"] = den
        else:
            den_count = int(session.execute(text(part_sql(part, True)), params).scalar_one())
    if numerator.from_ is None:
        assert den is not None and numerator.check is not None
        num = den.filter(passes(numerator.check, den))
    else:
        num = read_part(session, numerator, params)
    frames["numerator"] = num
    if indicator.kind == "average":
        den_count = num.height
    value = value_of(indicator.kind, num, den, den_count)
    return Outcome(
        indicator, num.height, den_count, value, frames, round(time.perf_counter() - started, 3)
    )


def store(session: Session, version: IndicatorVersion, month: Month, outcome: Outcome) -> int:
    """Replace the month's value of the indicator and its rows; returns the value's id."""
    code = outcome.indicator.code
    old = session.execute(
        select(MonitoringValue.id).where(
            MonitoringValue.indicator == code, MonitoringValue.month == month.code
        )
    ).scalar_one_or_none()
    if old is not None:
        session.execute(delete(MonitoringRow).where(MonitoringRow.value_id == old))
        session.execute(delete(MonitoringValue).where(MonitoringValue.id == old))
    value = MonitoringValue(
        indicator=code,
        month=month.code,
        indicator_version=version.effective_from,
        numerator=outcome.numerator,
        denominator=outcome.denominator,
        value=outcome.value,
        computed_at=utcnow(),
    )
    session.add(value)
    session.flush()
    for part, frame in outcome.frames.items():
        if frame.height:
            insert_frame(
                session,
                "monitoring_rows",
                frame.select(
                    pl.lit(value.id, dtype=pl.Int64).alias("value_id"),
                    pl.lit(part).alias("part"),
                    pl.col("id").alias("ref_id"),
                    pl.col("department_id"),
                    pl.col("amount"),
                ),
            )
    return value.id


def compute_month(
    session: Session, actor: Actor, raw_month: str, codes: list[str] | None = None
) -> dict[str, Any]:
    """Compute and store every indicator (or ``codes``) for the month, open the follow-up
    tasks of the indicators that fell, and audit the run (in the caller's transaction)."""
    month = parse_month(raw_month)
    version = indicators_for(month.start)
    wanted = codes or [i.code for i in version.indicators]
    unknown = [c for c in wanted if c not in {i.code for i in version.indicators}]
    if unknown:
        raise MonitoringError(f"监测指标（indicator）“{'、'.join(unknown)}”不存在")
    started = time.perf_counter()
    results = []
    opened = 0
    for code in wanted:
        indicator = version.indicator(code)
        outcome = evaluate(session, indicator, month)
        store(session, version, month, outcome)
        opened += open_followups(session, version, indicator, month, outcome)
        results.append(
            {
                "indicator": code,
                "name": indicator.name,
                "kind": indicator.kind,
                "value": outcome.value,
                "numerator": outcome.numerator,
                "denominator": outcome.denominator,
                "target": indicator.target,
                "direction": indicator.direction,
                "meets_target": None
                if outcome.value is None or indicator.target is None
                else not indicator.misses(outcome.value),
                "seconds": outcome.seconds,
            }
        )
    report = {
        "month": month.code,
        "version": version.effective_from.isoformat(),
        "indicators": results,
        "followups_opened": opened,
        "seconds": round(time.perf_counter() - started, 3),
    }
    record_event(
        session,
        actor,
        "monitoring.compute",
        "monitoring",
        month.code,
        detail={k: v for k, v in report.items() if k != "indicators"}
        | {"indicators": len(results)},
    )
    return report
