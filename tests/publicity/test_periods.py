"""Publicity periods of administrative penalties (NDRC Orders 58 and 36)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xinyong.publicity.periods import (
    RuleGapError,
    add_months,
    penalty_publicity_end,
    penalty_rules,
    penalty_severity,
)

DECIDED = date(2026, 5, 1)


@pytest.mark.parametrize(
    ("categories", "fine_wan", "tier"),
    [
        (["警告"], None, "minor"),
        (["通报批评"], None, "minor"),
        (["罚款"], Decimal("0.2"), "general"),
        (["警告", "罚款"], Decimal("0.2"), "general"),
        (["吊销许可证件"], None, "serious"),
        (["警告", "吊销许可证件"], None, "serious"),
        (["罚款"], Decimal("100"), "serious"),
        (["罚款"], Decimal("250"), "serious"),
        (["罚款"], Decimal("99.99"), "general"),
        (["其他-责令改正"], None, "general"),
    ],
)
def test_penalty_severity(categories: list[str], fine_wan: Decimal | None, tier: str) -> None:
    assert penalty_severity(categories, fine_wan, DECIDED) == tier


def test_serious_fine_threshold_is_100_wan() -> None:
    assert penalty_rules().severity_on(DECIDED).serious_fine_wan == Decimal("100")


def test_minor_penalty_is_not_published_under_order_36() -> None:
    assert penalty_publicity_end(DECIDED, "minor") == DECIDED


def test_general_penalty_under_order_36_ends_after_one_year() -> None:
    assert penalty_publicity_end(DECIDED, "general") == date(2027, 5, 1)


def test_serious_penalty_under_order_36_ends_after_three_years() -> None:
    assert penalty_publicity_end(DECIDED, "serious") == date(2029, 5, 1)


def test_general_penalty_under_order_58_ends_after_three_years() -> None:
    assert penalty_publicity_end(date(2025, 6, 1), "general") == date(2028, 6, 1)


def test_order_36_starts_on_2026_04_01() -> None:
    assert penalty_publicity_end(date(2026, 3, 31), "general") == date(2029, 3, 31)
    assert penalty_publicity_end(date(2026, 4, 1), "general") == date(2027, 4, 1)


def test_explicit_end_date_is_inclusive() -> None:
    end = penalty_publicity_end(DECIDED, "general", explicit_end=date(2026, 12, 31))
    assert end == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_old_decisions_are_covered() -> None:
    old = date(2000, 1, 1)
    assert penalty_rules().regime_on(old) is not None
    assert penalty_publicity_end(old, "general") == date(2003, 1, 1)


def test_dates_before_any_rule_fail_loudly() -> None:
    with pytest.raises(RuleGapError):
        penalty_publicity_end(date(1980, 1, 1), "general")
