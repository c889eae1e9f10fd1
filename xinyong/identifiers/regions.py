"""Administrative division codes (GB/T 2260), from python-stdnum's dated table."""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum import numdb

NATIONAL_CODE = "100000"  # registrations at national level
_YEARS = re.compile(r"^\[(\d{4})?-(\d{4})?\]")


@lru_cache(maxsize=4096)
def _lookup(code: str) -> tuple[str | None, str | None, tuple[int | None, int | None]]:
    info = numdb.get("cn/loc").info(code)
    province = None
    county = None
    if info and info[0][0] == code[:2]:
        province = info[0][1].get("province")
    if len(info) > 1 and info[1][0] == code[2:]:
        raw = info[1][1].get("county") or ""
        if not raw:
            return province, None, (None, None)
        match = _YEARS.match(raw)
        years: tuple[int | None, int | None] = (None, None)
        if match:
            years = (
                int(match.group(1)) if match.group(1) else None,
                int(match.group(2)) if match.group(2) else None,
            )
            raw = raw[match.end() :]
        county = raw
        return province, county, years
    return province, county, (None, None)


def province_name(code: str) -> str | None:
    return _lookup(code)[0]


def division_name(code: str) -> str | None:
    """Name of the division, whatever year it existed in; None when unknown."""
    return _lookup(code)[1]
