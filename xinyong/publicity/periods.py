"""Publicity periods of records, from the dated rule table in penalty_rules.yaml.

``publicity_end`` is exclusive: a record is shown publicly while today < publicity_end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

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
            if regime.effective_from <= day and (
                regime.effective_to is None or day <= regime.effective_to
            ):
                return regime
        raise RuleGapError(f"没有适用于 {day.isoformat()} 的行政处罚公示期规则")

    def severity_on(self, day: date) -> SeverityRule:
        candidates = [s for s in self.severity if s.effective_from <= day]
        if not candidates:
            raise RuleGapError(f"没有适用于 {day.isoformat()} 的处罚轻重分档规则")
        return candidates[-1]


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
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    for dom in (day.day, 30, 29, 28):
        try:
            return date(year, month, dom)
        except ValueError:
            continue
    raise ValueError(day)


def penalty_severity(categories: list[str], fine_wan: Decimal | None, decided: date) -> str:
    """Tier of one penalty decision: the heaviest its categories or fine call for."""
    rule = penalty_rules().severity_on(decided)
    base = [c.split("-", 1)[0] for c in categories]
    if any(c in rule.serious_categories for c in base) or (
        fine_wan is not None and fine_wan >= rule.serious_fine_wan
    ):
        return "serious"
    if base and all(c in rule.minor_categories for c in base):
        return "minor"
    return "general"


def penalty_publicity_end(decided: date, severity: str, explicit_end: date | None = None) -> date:
    """Exclusive end of publication. An explicit 公示截止期 (inclusive) is honoured."""
    if explicit_end is not None:
        return explicit_end + timedelta(days=1)
    tier = penalty_rules().regime_on(decided).tiers[severity]
    if not tier.publish:
        return decided
    return add_months(decided, tier.max_months)


def penalty_minimum_end(decided: date, severity: str) -> date:
    """First day a repair may be requested (the minimum publicity period has passed)."""
    tier = penalty_rules().regime_on(decided).tiers[severity]
    return add_months(decided, tier.min_months)
