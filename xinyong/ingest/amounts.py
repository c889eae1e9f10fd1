"""Amounts as people write them: "100(万元)", "1,000(万元人民币)", "100(万)", "85万人民币",
"10(万美元)", "1,485.6000(万港币)", "1.2亿元", "5000元", "人民币300万元".

``parse_amount`` is the plain rule (the reference). Cleaning a chunk (``ingest.clean``) takes a
plain number with Polars and sends only the other values, once per distinct value, through
``AmountReader``, which calls ``parse_amount``; ``tests/ingest/test_amounts.py`` checks that
both give the same value, currency and reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from xinyong.catalog.registry import CodeList

# A plain number in the field's own unit, once thousands separators and spaces are removed.
PLAIN_NUMBER = r"^-?\d+(\.\d+)?$"
_PLAIN = re.compile(PLAIN_NUMBER)
_SEPARATORS = re.compile(r"[,\s]")
_WRITTEN = re.compile(r"^(?P<before>[^\d\-]*)(?P<number>-?\d+(?:\.\d+)?)\(?(?P<unit>[^()\d]*)\)?$")
MULTIPLIERS = {"亿": Decimal(10) ** 8, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6}
MULTIPLIERS |= {"万": Decimal(10) ** 4, "千": Decimal(10) ** 3, "": Decimal(1)}
YUAN = "人民币"


@dataclass(frozen=True)
class Amount:
    value: str | None  # the number in the field's unit, as text; None when unreadable
    currency: str | None  # the currency the text names (canonical, code list "currency")
    error: str | None  # why the text is not an amount


def compact(text: str) -> str:
    """Full-width to half-width, thousands separators and spaces removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def currency_names(codes: CodeList) -> dict[str, str]:
    """Every spelling of a currency (value and aliases) -> its canonical name."""
    names: dict[str, str] = {}
    for entry in codes.values:
        for name in (entry.value, *entry.aliases):
            names[name.upper()] = entry.value
    return names


def _unit_scale(unit: str | None) -> Decimal:
    """How many yuan (or units of the currency) one unit of the field is: 万元 -> 10,000."""
    text = (unit or "").removesuffix("元").removesuffix("人民币")
    return MULTIPLIERS.get(text, Decimal(1))


def _split_unit(unit: str, currencies: dict[str, str]) -> tuple[Decimal, str | None] | None:
    """("万美元") -> (10,000, "美元"); None when the unit is not one people write."""
    for prefix in sorted(MULTIPLIERS, key=len, reverse=True):
        if unit.startswith(prefix):
            rest = unit[len(prefix) :]
            if not rest:
                return MULTIPLIERS[prefix], None
            if rest.upper() in currencies:
                return MULTIPLIERS[prefix], currencies[rest.upper()]
            if rest.startswith("元") and rest[1:].upper() in {"", *currencies}:
                return MULTIPLIERS[prefix], YUAN if rest == "元" else currencies[rest[1:].upper()]
    return None


def _scaled(number: str, written: Decimal, target: Decimal) -> str:
    if written == target:
        return number  # as written (the plain path keeps "1485.6000" too)
    value = Decimal(number) * written / target
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def parse_amount(
    text: str | None, unit: str | None, currencies: dict[str, str], has_currency: bool
) -> Amount:
    """The amount ``text`` states, in the field's ``unit`` (e.g. 万元): its number, the currency
    it names and, when it is not an amount, why (in Chinese). ``has_currency``: whether the
    field has a currency field (registered capital does; a fine is always in yuan)."""
    if text is None or not text.strip():
        return Amount(None, None, None)
    written = compact(text)
    if _PLAIN.match(written):
        return Amount(written, None, None)
    hint = f"（单位：{unit}）" if unit else ""
    match = _WRITTEN.match(written)
    if match is None:
        return Amount(None, None, f"不是有效数字{hint}")
    before, number, unit_text = match["before"], match["number"], match["unit"]
    currency: str | None = None
    if before:
        currency = currencies.get(before.upper())
        if currency is None:
            return Amount(None, None, f"金额前的“{before}”不是币种{hint}")
    split = _split_unit(unit_text, currencies)
    if split is None:
        return Amount(None, None, f"单位“{unit_text}”无法识别（可写：万元、万美元、亿元、元）")
    scale, named = split
    if currency and named and named != currency:
        return Amount(None, None, f"金额前后所写币种“{currency}”与“{named}”不一致")
    currency = currency or named
    if currency and currency != YUAN and not has_currency:
        return Amount(None, currency, f"以{currency}计的金额不能记入本字段（应为人民币{hint}）")
    return Amount(_scaled(number, scale, _unit_scale(unit)), currency, None)


@dataclass
class AmountReader:
    """``parse_amount`` once per distinct written form across the chunks of a batch."""

    currencies: dict[str, str]
    _seen: dict[tuple[str, str | None, bool], Amount] = field(default_factory=dict)

    def read(self, values: list[str], unit: str | None, has_currency: bool) -> dict[str, Amount]:
        found = {}
        for value in values:
            key = (value, unit, has_currency)
            if key not in self._seen:
                self._seen[key] = parse_amount(value, unit, self.currencies, has_currency)
            found[value] = self._seen[key]
        return found
