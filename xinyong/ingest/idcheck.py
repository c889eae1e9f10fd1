"""Vectorised identifier checks (GB 32100 USCC, GB 11643 resident ID) over Polars Series.

These answer only "certainly valid?" for a whole column at once. They are at least as strict
as the full checks in ``xinyong.identifiers``: a value they pass is valid there too. Whatever
they do not pass goes through the full check, which decides and words the reason, so the
Chinese messages have one source. The check characters are not computed here either: the
weights, character values and check tables are those of ``xinyong.identifiers`` (a check
character is TABLE[weighted sum % len(TABLE)] there and here); tests/ingest/test_idcheck.py
compares both forms value by value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

import polars as pl

from xinyong.identifiers import resident_id, uscc
from xinyong.identifiers.resident_id import EARLIEST_BIRTH

_USCC_SHAPE = r"^[0-9A-HJ-NPQRTUWXY]{17}[0-9A-Z]$"
_RESIDENT_SHAPE = r"^[0-9]{17}[0-9X]$"


@lru_cache(maxsize=8192)
def _uscc_region_ok(region: str) -> bool:
    return not uscc._region_errors("00" + region)[0]


@lru_cache(maxsize=8192)
def _resident_region_ok(region: str) -> bool:
    return not resident_id._region_errors(region)


def _check_chars(
    values: pl.Series,
    start: int,
    weights: tuple[int, ...],
    char_values: dict[str, int],
    table: Sequence[str],
) -> pl.Series:
    """The check character the identifiers' tables give the characters of each value from
    ``start`` on: ``table[sum(value * weight) % len(table)]``."""
    total = pl.lit(0, dtype=pl.Int64)
    for i, weight in enumerate(weights):
        char = pl.col("v").str.slice(start + i, 1)
        value = char.replace_strict(char_values, default=None, return_dtype=pl.Int64)
        total = total + value * weight
    checks = dict(enumerate(table))
    check = (total % len(table)).replace_strict(checks, default=None, return_dtype=pl.String)
    return pl.DataFrame({"v": values}).select(check.alias("c"))["c"]


def _char_at(values: pl.Series, index: int) -> pl.Series:
    return values.str.slice(index, 1)


def uscc_valid(values: pl.Series) -> pl.Series:
    """True where a normalised code is certainly a valid USCC (nulls give False)."""
    shaped = values.str.contains(_USCC_SHAPE).fill_null(False)
    codes = values.filter(shaped)
    ok = pl.Series([False] * len(values), dtype=pl.Boolean)
    if not len(codes):
        return ok
    pairs = codes.str.slice(0, 2).is_in(sorted(uscc.CATEGORY_PAIRS))
    regions = codes.str.slice(2, 6)
    good_regions = [r for r in regions.unique().to_list() if _uscc_region_ok(r)]
    region_ok = regions.is_in(good_regions)
    org_expected = _check_chars(codes, 8, uscc.ORG_WEIGHTS, uscc.ORG_VALUES, uscc.ORG_CHECK)
    expected = _check_chars(codes, 0, uscc.USCC_WEIGHTS, uscc.CHAR_VALUES, uscc.USCC_CHECK)
    valid = (
        pairs
        & region_ok
        & (_char_at(codes, 16) == org_expected).fill_null(False)
        & (_char_at(codes, 17) == expected).fill_null(False)
    )
    return ok.scatter(shaped.arg_true(), valid)


def resident_id_valid(values: pl.Series, today: date) -> pl.Series:
    """True where a normalised number is certainly a valid resident ID (nulls give False)."""
    shaped = values.str.contains(_RESIDENT_SHAPE).fill_null(False)
    codes = values.filter(shaped)
    ok = pl.Series([False] * len(values), dtype=pl.Boolean)
    if not len(codes):
        return ok
    regions = codes.str.slice(0, 6)
    good_regions = [r for r in regions.unique().to_list() if _resident_region_ok(r)]
    born = codes.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    birth_ok = (born <= today) & (born >= EARLIEST_BIRTH)
    expected = _check_chars(
        codes,
        0,
        resident_id.RESIDENT_WEIGHTS,
        resident_id.DIGIT_VALUES,
        resident_id.RESIDENT_CHECK,
    )
    region_ok = regions.is_in(good_regions)
    check_ok = (_char_at(codes, 17) == expected).fill_null(False)
    valid = region_ok & birth_ok.fill_null(False) & check_ok
    return ok.scatter(shaped.arg_true(), valid)
