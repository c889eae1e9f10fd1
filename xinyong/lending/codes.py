"""The lending code lists (``codes.yaml``): guarantee kinds, decline reasons, limits; validated
at load, dated versions (the one in force on a day applies)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

CODES_FILE = Path(__file__).parent / "codes.yaml"


class Guarantee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    unsecured: bool


class LendingCodes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_from: date
    source: str = Field(min_length=4)
    guarantees: dict[str, Guarantee]
    decline_reasons: dict[str, str]
    max_authorisation_days: int = Field(gt=0)


class LendingCodesError(ValueError):
    pass


@lru_cache(maxsize=1)
def _versions() -> tuple[LendingCodes, ...]:
    raw = yaml.safe_load(CODES_FILE.read_text(encoding="utf-8"))
    try:
        versions = [LendingCodes.model_validate(v) for v in raw["versions"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise LendingCodesError(f"{CODES_FILE.name} 有误：{exc}") from exc
    return tuple(sorted(versions, key=lambda v: v.effective_from))


def lending_codes(on: date) -> LendingCodes:
    """The code lists in force on ``on``."""
    found = [v for v in _versions() if v.effective_from <= on]
    if not found:
        raise LendingCodesError(f"没有适用于 {on.isoformat()} 的信易贷代码表")
    return found[-1]
