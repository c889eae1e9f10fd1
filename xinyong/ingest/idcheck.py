"""Vectorised identifier checks (GB 32100 USCC, GB 11643 resident ID) over Polars Series.

These answer only "certainly valid?" for a whole column at once. They are at least as strict
as the full checks in ``xinyong.identifiers``: a value they pass is valid there too. Whatever
they do not pass goes through the full check, which decides and words the reason, so the
Chinese messages have one source.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import polars as pl

from xinyong.identifiers import resident_id, uscc
from xinyong.identifiers.resident_id import EARLIEST_BIRTH

_USCC_SHAPE = r"^[0-9A-HJ-NPQRTUWXY]{17}[0-9A-Z]$"
_RESIDENT_SHAPE = r"^[0-9]{17}[0-9X]$"
_ORG_VALUES = {**{str(d): d for d in range(10)}, **{chr(c): c - 55 for c in range(65, 91)}}


@lru_cache(maxsize=8192)
def _uscc_region_ok(region: str) -> bool:
    return not uscc._region_errors("00" + region)[0]


@lru_cache(maxsize=8192)
def _resident_region_ok(region: str) -> bool:
    return not resident_id._region_errors(region)


def _weighted(values: pl.Series, start: int, weights: tuple[int, ...], table: dict) -> pl.Series:
    total = pl.lit(0, dtype=pl.Int64)
    for i, weight in enumerate(weights):
        char = pl.col("v").str.slice(start + i, 1)
        total = total + char.replace_strict(table, default=0, return_dtype=pl.Int64) * weight
    return pl.DataFrame({"v": values}).select(total.alias("s"))["s"]


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
    org_sum = _weighted(codes, 8, uscc._ORG_WEIGHTS, _ORG_VALUES)
    org_check = 11 - org_sum % 11
    org_expected = (
        pl.DataFrame({"c": org_check})
        .select(
            pl.when(pl.col("c") == 10)
            .then(pl.lit("X"))
            .when(pl.col("c") == 11)
            .then(pl.lit("0"))
            .otherwise(pl.col("c").cast(pl.String))
        )
        .to_series()
    )
    total = _weighted(codes, 0, uscc._WEIGHTS, uscc._VALUES)
    index = (31 - total % 31) % 31
    expected = index.replace_strict(dict(enumerate(uscc.ALPHABET)), return_dtype=pl.String)
    valid = (
        pairs
        & region_ok
        & (_char_at(codes, 16) == org_expected)
        & (_char_at(codes, 17) == expected)
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
    digits = {str(d): d for d in range(10)}
    total = _weighted(codes, 0, resident_id._WEIGHTS, digits)
    expected = (total % 11).replace_strict(
        dict(enumerate(resident_id._CHECK)), return_dtype=pl.String
    )
    region_ok = regions.is_in(good_regions)
    valid = region_ok & birth_ok.fill_null(False) & (_char_at(codes, 17) == expected)
    return ok.scatter(shaped.arg_true(), valid)
