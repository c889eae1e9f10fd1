"""The tiers and publicity ends every save and bulk load stores (``derive_frame``, through
``xinyong.publicity.vectorised``) are those of the plain functions in ``periods``, row by row,
on every boundary of the rule table."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
import pytest

from xinyong.catalog.registry import get_catalog
from xinyong.catalog.schema import CatalogItem
from xinyong.publicity import periods
from xinyong.publicity.vectorised import once_per_distinct, rule_gap
from xinyong.records.derive import derive_frame, values_frame

CATEGORIES: list[list[str] | None] = [
    None,
    ["警告"],
    ["通报批评", "警告"],
    ["罚款"],
    ["警告", "罚款"],
    ["吊销许可证件"],
    ["罚款", "责令停产停业"],
    ["其他-责令改正"],
    ["其他-限制从业"],
]
FINES = [None, "0.2", "99.99", "100", "100.000", "250", "两千"]


def _edges(day: date) -> list[date]:
    return [day - timedelta(days=1), day, day + timedelta(days=1)]


def decision_dates() -> list[date]:
    """Both sides of every rule's start and end, month ends, leap days, and a random spread."""
    rules = periods.penalty_rules()
    days = [d for s in rules.severity for d in _edges(s.effective_from)]
    for regime in rules.regimes:
        days += _edges(regime.effective_from)
        days += _edges(regime.effective_to) if regime.effective_to else []
    for year in (1990, 2000, 2023, 2024, 2026, 2027):
        days += [date(year, m, 1) - timedelta(days=1) for m in range(2, 13)]
        days += [date(year, 12, 31)]
    days += [date(2024, 2, 29), date(2028, 2, 29)]
    rng = random.Random(16)
    days += [date(1990, 1, 1) + timedelta(days=rng.randrange(14000)) for _ in range(60)]
    first = min(r.effective_from for r in rules.regimes)
    return sorted({d for d in days if d >= first})


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text is not None else None
    except InvalidOperation:
        return None


def _derived(item: CatalogItem, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    frame = derive_frame(item, values_frame(item, rows))
    return frame.select("decision_date", "valid_to", "severity", "publicity_end").to_dicts()


def test_penalty_tiers_and_ends_are_the_plain_functions_row_by_row() -> None:
    item = get_catalog().item("admin_penalty")
    rows = []
    for decided, categories, fine in itertools.product(decision_dates(), CATEGORIES, FINES):
        explicit = [None, decided + timedelta(days=10)][len(rows) % 2]
        rows.append(
            {
                "CF_JDRQ": decided.isoformat(),
                "CF_CFLB": categories,
                "CF_NR_FK": fine,
                "CF_GSJZQ": explicit.isoformat() if explicit else None,
            }
        )
    rows.append({"CF_JDRQ": None, "CF_CFLB": ["罚款"], "CF_NR_FK": "1"})
    rows.append({"CF_JDRQ": "2026-05-01", "CF_CFLB": ["罚款"], "CF_GSJZQ": date.max.isoformat()})
    derived = _derived(item, rows)
    assert len(derived) == len(rows) > 5_000
    for row, got in zip(rows, derived, strict=True):
        decided = date.fromisoformat(row["CF_JDRQ"]) if row["CF_JDRQ"] else None
        explicit = date.fromisoformat(row["CF_GSJZQ"]) if row.get("CF_GSJZQ") else None
        severity = (
            periods.penalty_severity(row["CF_CFLB"] or [], _decimal(row.get("CF_NR_FK")), decided)
            if decided
            else None
        )
        end = periods.publicity_end(
            item.publicity, decided=decided, severity=severity, explicit_end=explicit
        )
        assert (got["severity"], got["publicity_end"]) == (severity, end), row


@pytest.mark.parametrize(
    "code",
    sorted(c for c, i in get_catalog().items.items() if i.publicity.rule != "penalty_tiers"),
)
def test_other_items_ends_are_the_plain_function_row_by_row(code: str) -> None:
    item = get_catalog().item(code)
    cols = item.columns
    days: list[date | None] = [None, *decision_dates()[::3], date(2099, 12, 31), date.max]
    rows = []
    for decided, valid_to in zip(days, [*days[1:], None], strict=True):
        row: dict[str, Any] = {}
        if cols.decision_date:
            row[cols.decision_date] = decided.isoformat() if decided else None
        if cols.valid_to and cols.valid_to != cols.decision_date:
            row[cols.valid_to] = valid_to.isoformat() if valid_to else None
        rows.append(row)
    for row, got in zip(rows, _derived(item, rows), strict=True):
        end = periods.publicity_end(
            item.publicity, decided=got["decision_date"], valid_to=got["valid_to"]
        )
        assert got["publicity_end"] == end, row


def test_a_penalty_no_rule_covers_cannot_be_saved() -> None:
    item = get_catalog().item("admin_penalty")
    with pytest.raises(periods.RuleGapError):
        derive_frame(item, values_frame(item, [{"CF_JDRQ": "1989-12-31", "CF_CFLB": ["罚款"]}]))


def test_rule_gap_is_the_plain_function_row_by_row() -> None:
    days = [None, date(1900, 1, 1), *_edges(date(1990, 1, 1)), date(2026, 4, 1)]
    texts = [d.isoformat() if d else None for d in days]
    got = rule_gap(pl.Series([*texts, "2026-02-30"] * 3, dtype=pl.String)).to_list()
    assert got == [periods.penalty_rules().gap_on(d) if d else None for d in [*days, None]] * 3
    assert [g is not None for g in got[:6]] == [False, True, True, False, False, False]
    assert rule_gap(pl.Series(["2026-04-01"] * 4)).to_list() == [None] * 4


def test_once_per_distinct_calls_once_per_distinct_row_and_keeps_order() -> None:
    calls: list[tuple[object, ...]] = []

    def compute(*row: object) -> str:
        calls.append(row)
        return f"{row[0]}-{row[1]}"

    keys = pl.DataFrame(
        {"a": [1, 2, 1, None, 2, None], "b": [["x"], ["y"], ["x"], None, ["z"], None]}
    )
    got = once_per_distinct(keys, compute, pl.String()).to_list()
    assert got == ["1-['x']", "2-['y']", "1-['x']", "None-None", "2-['z']", "None-None"]
    assert len(calls) == 4
    same = once_per_distinct(keys.select("a"), lambda a: "one answer", pl.String())
    assert same.to_list() == ["one answer"] * keys.height
