"""The publicity rules of ``periods`` over Polars frames, for bulk loads.

Nothing here decides a tier or a period. Each function finds the distinct inputs in a frame
(a chunk of tens of thousands of rows holds a few hundred decision dates, fines and tiers),
calls the plain function of ``xinyong.publicity.periods`` once for each, and joins the answers
back onto the rows. tests/publicity checks the result against the plain functions, row by row,
on every boundary of the rule table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from xinyong.catalog.schema import CatalogItem
from xinyong.publicity import periods

_ANSWER = "_answer"


def once_per_distinct(
    keys: pl.DataFrame, compute: Callable[..., Any], dtype: pl.DataType
) -> pl.Series:
    """``compute(*row)`` for every row of ``keys``, called once per distinct row."""
    distinct = keys.unique()
    answers = [compute(*row) for row in distinct.iter_rows()]
    if len(set(answers)) == 1:  # one answer for all (often: one rule in force, no gap)
        return pl.Series(_ANSWER, answers[:1] * keys.height, dtype=dtype)
    table = distinct.with_columns(pl.Series(_ANSWER, answers, dtype=dtype))
    joined = keys.join(table, on=keys.columns, how="left", nulls_equal=True, maintain_order="left")
    return joined[_ANSWER]


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _tier_rule(day: date | None) -> int | None:
    return None if day is None else periods.penalty_rules().severity_index_on(day)


def _tier(rule: int | None, categories: list[str] | None, fine: str | None) -> str | None:
    if rule is None:
        return None
    tiers = periods.penalty_rules().severity[rule]
    return periods.tier_under(tiers, categories or [], _decimal(fine))


def severity(item: CatalogItem, frame: pl.DataFrame) -> pl.Series:
    """``periods.penalty_severity`` of each row (None without a decision date). Reads the
    frame's ``decision_date`` (a Date column) and the item's category and fine fields.

    A tier depends on the date only through the tier rule in force, so the rule is found per
    distinct date and the tier per distinct (rule, categories, fine)."""
    cols = item.columns
    if not cols.penalty_categories:
        return pl.Series(_ANSWER, [None] * frame.height, dtype=pl.String)
    rule = once_per_distinct(frame.select("decision_date"), _tier_rule, pl.Int32())
    fine = pl.col(cols.amount_wan) if cols.amount_wan else pl.lit(None)
    keys = frame.select(
        rule.alias("rule"),
        pl.col(cols.penalty_categories).cast(pl.List(pl.String)).alias("categories"),
        fine.cast(pl.String).alias("fine"),
    )
    return once_per_distinct(keys, _tier, pl.String())


def publicity_end(item: CatalogItem, frame: pl.DataFrame, explicit_end: pl.Expr) -> pl.Series:
    """``periods.publicity_end`` of each row. Reads the frame's ``decision_date``,
    ``valid_to`` and ``severity`` columns, and ``explicit_end`` (a Date expression)."""
    publicity = item.publicity
    inputs = periods.PERIOD_INPUTS[publicity.rule]
    columns = {
        "decided": pl.col("decision_date"),
        "valid_to": pl.col("valid_to"),
        "severity": pl.col("severity"),
        "explicit_end": explicit_end,
    }

    def compute(*values: Any) -> date | None:
        return periods.publicity_end(publicity, **dict(zip(inputs, values, strict=True)))

    if not inputs:  # the same for every row
        return pl.Series(_ANSWER, [compute()] * frame.height, dtype=pl.Date)
    keys = frame.select(columns[name].alias(name) for name in inputs)
    return once_per_distinct(keys, compute, pl.Date())


def _gap(day: str | None) -> str | None:
    try:
        decided = date.fromisoformat(day) if day else None
    except ValueError:
        return None  # not a date: cleaning says so
    return None if decided is None else periods.penalty_rules().gap_on(decided)


def rule_gap(decided: pl.Series) -> pl.Series:
    """``penalty_rules().gap_on`` of each decision date (ISO text, as cleaned): why no
    penalty publicity rule covers it, or None where one does (or the date is missing)."""
    return once_per_distinct(decided.to_frame("decided"), _gap, pl.String())
