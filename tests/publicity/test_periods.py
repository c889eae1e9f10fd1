"""Publicity periods (NDRC Orders 58 and 36 for penalties; the catalog rules for the rest):
the plain reference functions, against dates worked out by hand."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from xinyong.catalog.registry import get_catalog
from xinyong.catalog.schema import Publicity
from xinyong.publicity.periods import (
    PERIOD_INPUTS,
    RuleGapError,
    add_months,
    in_period,
    penalty_minimum_end,
    penalty_publicity_end,
    penalty_rules,
    penalty_severity,
    publicity_end,
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
        (date(9999, 12, 31), 36, date.max),
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


def test_the_rule_table_starts_in_1990_and_says_why_earlier_dates_have_no_period() -> None:
    rules = penalty_rules()
    assert rules.gap_on(date(1990, 1, 1)) is None
    assert rules.gap_on(date(2026, 4, 1)) is None
    reason = rules.gap_on(date(1989, 12, 31))
    assert reason is not None
    assert "1989-12-31" in reason and "1990-01-01" in reason and "公示期" in reason


def test_regimes_meet_without_gap_or_overlap() -> None:
    regimes = penalty_rules().regimes
    for earlier, later in itertools.pairwise(regimes):
        assert earlier.effective_to is not None
        assert (later.effective_from - earlier.effective_to).days == 1
        assert earlier.covers(earlier.effective_to) and not later.covers(earlier.effective_to)
        assert later.covers(later.effective_from) and not earlier.covers(later.effective_from)


def test_minimum_periods_for_repair() -> None:
    assert penalty_minimum_end(date(2026, 5, 1), "general") == date(2026, 8, 1)
    assert penalty_minimum_end(date(2026, 5, 1), "serious") == date(2027, 5, 1)
    assert penalty_minimum_end(date(2025, 5, 1), "general") == date(2025, 8, 1)


def test_no_period_without_a_decision_date_or_a_tier() -> None:
    assert penalty_publicity_end(None, "general") is None
    assert penalty_publicity_end(DECIDED, None) is None
    assert penalty_publicity_end(None, None, date(2026, 12, 31)) == date(2027, 1, 1)


def test_explicit_end_on_the_last_representable_day_does_not_overflow() -> None:
    assert penalty_publicity_end(DECIDED, "general", date.max) == date.max


PENALTY = Publicity(rule="penalty_tiers", requires_publication=True)


@pytest.mark.parametrize(
    ("publicity", "inputs", "end"),
    [
        (Publicity(rule="while_valid"), {"valid_to": date(2026, 12, 31)}, date(2027, 1, 1)),
        (Publicity(rule="while_valid"), {"valid_to": None}, None),
        (Publicity(rule="while_valid"), {"valid_to": date.max}, date.max),
        (Publicity(rule="years", years=3), {"decided": date(2024, 2, 29)}, date(2027, 2, 28)),
        (Publicity(rule="years", years=1), {"decided": date(2026, 5, 1)}, date(2027, 5, 1)),
        (Publicity(rule="years", years=1), {"decided": None}, None),
        (Publicity(rule="always"), {"decided": date(2026, 5, 1)}, None),
        (Publicity(rule="none"), {"decided": date(2026, 5, 1)}, None),
        (PENALTY, {"decided": DECIDED, "severity": "general"}, date(2027, 5, 1)),
        (PENALTY, {"decided": DECIDED, "severity": "serious"}, date(2029, 5, 1)),
        (PENALTY, {"decided": DECIDED, "severity": "minor"}, DECIDED),
        (PENALTY, {"decided": date(2026, 3, 31), "severity": "general"}, date(2029, 3, 31)),
        (PENALTY, {"decided": DECIDED, "severity": None}, None),
    ],
)
def test_publicity_end_by_catalog_rule(
    publicity: Publicity, inputs: dict[str, object], end: date | None
) -> None:
    assert publicity_end(publicity, **inputs) == end  # type: ignore[arg-type]


@pytest.mark.parametrize("rule", sorted(PERIOD_INPUTS))
def test_publicity_end_reads_only_its_declared_inputs(rule: str) -> None:
    """Bulk loads call publicity_end once per distinct tuple of PERIOD_INPUTS[rule] only."""
    publicity = Publicity(rule=rule, years=2 if rule == "years" else None)  # type: ignore[arg-type]
    base = {
        "decided": date(2026, 5, 1),
        "valid_to": date(2027, 1, 31),
        "severity": "general",
        "explicit_end": None,
    }
    other = {
        "decided": date(2025, 1, 31),
        "valid_to": date(2028, 2, 29),
        "severity": "serious",
        "explicit_end": date(2026, 9, 30),
    }
    expected = publicity_end(publicity, **base)  # type: ignore[arg-type]
    for name in set(base) - set(PERIOD_INPUTS[rule]):
        assert publicity_end(publicity, **(base | {name: other[name]})) == expected  # type: ignore[arg-type]


def test_every_catalog_rule_has_declared_inputs() -> None:
    assert {item.publicity.rule for item in get_catalog().items.values()} <= set(PERIOD_INPUTS)


@pytest.mark.parametrize(
    ("rule", "end", "day", "inside"),
    [
        ("penalty_tiers", date(2027, 5, 1), date(2027, 4, 30), True),
        ("penalty_tiers", date(2027, 5, 1), date(2027, 5, 1), False),
        ("penalty_tiers", date(2027, 5, 1), date(2027, 5, 2), False),
        ("penalty_tiers", None, date(2027, 5, 1), False),  # never "for ever"
        ("years", None, date(2027, 5, 1), False),
        ("while_valid", None, date(2027, 5, 1), True),  # valid until removed
        ("always", None, date(2027, 5, 1), True),
        ("while_valid", date(2027, 1, 1), date(2026, 12, 31), True),
        ("while_valid", date(2027, 1, 1), date(2027, 1, 1), False),
    ],
)
def test_in_period(rule: str, end: date | None, day: date, inside: bool) -> None:
    publicity = Publicity(rule=rule, years=1 if rule == "years" else None)  # type: ignore[arg-type]
    assert in_period(publicity, end, day) is inside
