"""Publicity periods of records: the one implementation of the rules.

Penalties follow the dated rule table penalty_rules.yaml; every other item follows its catalog
publicity rule (``publicity_end``). An end date is exclusive: a record is inside its period on
day D while D < end. Bulk loads apply these same functions to Polars frames, once per distinct
input (``xinyong.publicity.vectorised``); nothing here is written twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from xinyong.catalog.schema import Publicity

RULES_FILE = Path(__file__).parent / "penalty_rules.yaml"
TIER_ORDER = ("minor", "general", "serious")


class RuleGapError(LookupError):
    """No rule covers the date asked about."""


@dataclass(frozen=True)
class Tier:
    publish: bool
    min_months: int
    max_months: int


@dataclass(frozen=True)
class Regime:
    name: str
    effective_from: date
    effective_to: date | None
    tiers: dict[str, Tier]

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True)
class SeverityRule:
    effective_from: date
    minor_categories: frozenset[str]
    serious_categories: frozenset[str]
    serious_fine_wan: Decimal


@dataclass(frozen=True)
class PenaltyRules:
    regimes: tuple[Regime, ...]
    severity: tuple[SeverityRule, ...]

    def regime_on(self, day: date) -> Regime:
        for regime in self.regimes:
            if regime.covers(day):
                return regime
        raise RuleGapError(f"没有适用于 {day.isoformat()} 的行政处罚公示期规则")

    def severity_index_on(self, day: date) -> int:
        """Position in ``severity`` of the tier rule in force on ``day``."""
        candidates = [n for n, s in enumerate(self.severity) if s.effective_from <= day]
        if not candidates:
            raise RuleGapError(f"没有适用于 {day.isoformat()} 的处罚轻重分档规则")
        return candidates[-1]

    def severity_on(self, day: date) -> SeverityRule:
        return self.severity[self.severity_index_on(day)]

    def gap_on(self, day: date) -> str | None:
        """Why no publicity period can be given to a penalty decided on ``day`` (Chinese),
        or None when the rules cover that day."""
        try:
            self.regime_on(day)
            self.severity_on(day)
        except RuleGapError as exc:
            starts = min(r.effective_from for r in self.regimes).isoformat()
            return f"{exc}（最早的规则自{starts}起适用），无法确定公示期"
        return None


def _regime(raw: dict[str, Any]) -> Regime:
    return Regime(
        name=raw["name"],
        effective_from=raw["effective_from"],
        effective_to=raw.get("effective_to"),
        tiers={name: Tier(**body) for name, body in raw["tiers"].items()},
    )


def _severity(raw: dict[str, Any]) -> SeverityRule:
    return SeverityRule(
        effective_from=raw["effective_from"],
        minor_categories=frozenset(raw["minor_categories"]),
        serious_categories=frozenset(raw["serious_categories"]),
        serious_fine_wan=Decimal(str(raw["serious_fine_wan"])),
    )


@lru_cache(maxsize=1)
def penalty_rules() -> PenaltyRules:
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return PenaltyRules(
        regimes=tuple(_regime(r) for r in raw["regimes"]),
        severity=tuple(
            sorted((_severity(s) for s in raw["severity"]), key=lambda s: s.effective_from)
        ),
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it is shorter
    (date.max past the last representable year)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    if year > date.max.year:
        return date.max
    for dom in (day.day, 30, 29, 28):
        try:
            return date(year, month, dom)
        except ValueError:
            continue
    raise ValueError(day)


def day_after(day: date) -> date:
    """The exclusive end of a period whose last day is ``day`` (date.max stays: no overflow)."""
    return day if day == date.max else day + timedelta(days=1)


def tier_under(rule: SeverityRule, categories: Sequence[str], fine_wan: Decimal | None) -> str:
    """Tier of one penalty decision under one tier rule: the heaviest its categories or its
    fine call for (``其他-…`` counts as its base category)."""
    base = [c.split("-", 1)[0] for c in categories]
    if any(c in rule.serious_categories for c in base) or (
        fine_wan is not None and fine_wan >= rule.serious_fine_wan
    ):
        return "serious"
    if base and all(c in rule.minor_categories for c in base):
        return "minor"
    return "general"


def penalty_severity(categories: Sequence[str], fine_wan: Decimal | None, decided: date) -> str:
    """Tier of one penalty decision, by the tier rule in force on its decision date."""
    return tier_under(penalty_rules().severity_on(decided), categories, fine_wan)


def penalty_publicity_end(
    decided: date | None, severity: str | None, explicit_end: date | None = None
) -> date | None:
    """Exclusive end of publication. An explicit 公示截止期 (inclusive) is honoured; without
    one, None when the decision date or the tier is unknown (no period can be given)."""
    if explicit_end is not None:
        return day_after(explicit_end)
    if decided is None or severity is None:
        return None
    tier = penalty_rules().regime_on(decided).tiers[severity]
    if not tier.publish:
        return decided
    return add_months(decided, tier.max_months)


def penalty_minimum_end(decided: date, severity: str) -> date:
    """First day a repair may be requested (the minimum publicity period has passed)."""
    tier = penalty_rules().regime_on(decided).tiers[severity]
    return add_months(decided, tier.min_months)


# -- every catalog publicity rule ------------------------------------------------------------

# Rules under which a record without an end date has no end: registration facts (``always``)
# and entries valid until removed (``while_valid`` without an end of validity). Under every
# other rule a missing end means the period could not be computed: such a record is not shown.
OPEN_ENDED_RULES = frozenset({"always", "while_valid"})

# What ``publicity_end`` reads under each rule (bulk loads call it once per distinct tuple).
PERIOD_INPUTS: dict[str, tuple[str, ...]] = {
    "always": (),
    "none": (),
    "while_valid": ("valid_to",),
    "years": ("decided",),
    "penalty_tiers": ("decided", "severity", "explicit_end"),
}


def publicity_end(
    publicity: Publicity,
    *,
    decided: date | None = None,
    valid_to: date | None = None,
    severity: str | None = None,
    explicit_end: date | None = None,
) -> date | None:
    """Exclusive end of a record's publicity period under its item's rule; None when it has
    none (see OPEN_ENDED_RULES for what that means)."""
    rule = publicity.rule
    if rule == "while_valid":
        return day_after(valid_to) if valid_to is not None else None
    if rule == "years":
        return add_months(decided, 12 * (publicity.years or 0)) if decided else None
    if rule == "penalty_tiers":
        return penalty_publicity_end(decided, severity, explicit_end)
    return None


def ends_open(publicity: Publicity) -> bool:
    """Whether a record of an item under this rule without an end date is public without end."""
    return publicity.rule in OPEN_ENDED_RULES


def in_period(publicity: Publicity, end: date | None, day: date) -> bool:
    """Whether a record whose period ends (exclusively) at ``end`` is inside it on ``day``.

    The one definition; ``xinyong.records.public`` writes it as SQL, tested against it."""
    if end is None:
        return ends_open(publicity)
    return day < end
