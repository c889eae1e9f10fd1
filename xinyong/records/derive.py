"""Typed common columns of a record, derived from its item's own fields via the catalog."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from xinyong.catalog.schema import CatalogItem
from xinyong.publicity.periods import penalty_publicity_end, penalty_severity

WAN = Decimal(10000)
INVALID_STATUS_VALUES = {"无效"}


@dataclass(frozen=True)
class CommonColumns:
    decision_date: date | None
    valid_from: date | None
    valid_to: date | None
    publicity_end: date | None
    severity: str | None
    amount_yuan: Decimal | None
    status: str


def _date(values: dict[str, Any], code: str | None) -> date | None:
    value = values.get(code) if code else None
    return date.fromisoformat(value) if value else None


def _decimal(values: dict[str, Any], code: str | None) -> Decimal | None:
    value = values.get(code) if code else None
    return Decimal(str(value)) if value not in (None, "") else None


def _amount_yuan(item: CatalogItem, values: dict[str, Any]) -> Decimal | None:
    wan = _decimal(values, item.columns.amount_wan)
    if wan is not None:
        return (wan * WAN).quantize(Decimal("0.01"))
    return _decimal(values, item.columns.amount_yuan)


def _publicity_end(
    item: CatalogItem,
    values: dict[str, Any],
    decided: date | None,
    valid_to: date | None,
    severity: str | None,
) -> date | None:
    rule = item.publicity.rule
    if rule == "while_valid":
        return valid_to + timedelta(days=1) if valid_to else None
    if rule == "years" and decided is not None:
        assert item.publicity.years is not None
        try:
            return decided.replace(year=decided.year + item.publicity.years)
        except ValueError:  # 29 February
            return decided.replace(year=decided.year + item.publicity.years, day=28)
    if rule == "penalty_tiers" and decided is not None and severity is not None:
        return penalty_publicity_end(decided, severity, _date(values, item.columns.publicity_end))
    return None


def derive_columns(item: CatalogItem, values: dict[str, Any]) -> CommonColumns:
    cols = item.columns
    decided = _date(values, cols.decision_date)
    valid_to = _date(values, cols.valid_to)
    severity = None
    if cols.penalty_categories and decided is not None:
        categories = values.get(cols.penalty_categories) or []
        severity = penalty_severity(list(categories), _decimal(values, cols.amount_wan), decided)
    status_value = values.get(cols.status) if cols.status else None
    return CommonColumns(
        decision_date=decided,
        valid_from=_date(values, cols.valid_from),
        valid_to=valid_to,
        publicity_end=_publicity_end(item, values, decided, valid_to, severity),
        severity=severity,
        amount_yuan=_amount_yuan(item, values),
        status="revoked" if status_value in INVALID_STATUS_VALUES else "active",
    )


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def record_key(item: CatalogItem, subject_key: str, values: dict[str, Any]) -> str:
    """Identity of a record across versions: item plus natural-key values."""
    parts = [item.code] + [
        subject_key if code == "subject" else str(values.get(code, "")) for code in item.natural_key
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def content_hash(values: dict[str, Any]) -> str:
    """Hash of the plain (unencrypted) values: equal content gives an equal hash."""
    cleaned = {k: v for k, v in values.items() if v not in (None, "", [])}
    return hashlib.sha256(canonical_json(cleaned).encode("utf-8")).hexdigest()
