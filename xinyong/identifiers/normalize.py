"""Normalisation of codes as departments type them, recording every fix in Chinese.

The one definition: ingest's column-at-once form (``xinyong.ingest.clean``) is built from the
tables and messages here and tested against ``normalize_code``."""

from __future__ import annotations

from dataclasses import dataclass, field

_FULLWIDTH_OFFSET = 0xFEE0
# Removed wherever they are: Unicode White_Space, and the invisible characters text copied
# from web pages and office files carries (zero-width space and joiners, word joiner, BOM).
SPACES = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u200b\u200c\u200d\u2060\ufeff"
)
FIX_HALFWIDTH = "全角字符已转为半角"
FIX_SPACES = "已去除空格"
FIX_UPPER = "小写字母已转为大写"


@dataclass(frozen=True)
class Normalized:
    value: str
    fixes: list[str] = field(default_factory=list)


# Full-width ASCII (！..～) and the ideographic space to their ASCII forms.
HALFWIDTH = {code: code - _FULLWIDTH_OFFSET for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_NO_SPACES = dict.fromkeys(map(ord, SPACES))


def to_halfwidth(text: str) -> str:
    """Turn full-width ASCII (！..～) and the ideographic space into their ASCII forms."""
    return text.translate(HALFWIDTH)


def normalize_code(raw: str) -> Normalized:
    """Normalise a USCC or resident ID: full-width to half-width, spaces removed, upper case."""
    fixes: list[str] = []
    value = raw
    half = to_halfwidth(value)
    if half != value:
        fixes.append(FIX_HALFWIDTH)
        value = half
    stripped = value.translate(_NO_SPACES)
    if stripped != value:
        fixes.append(FIX_SPACES)
        value = stripped
    upper = value.upper()
    if upper != value:
        fixes.append(FIX_UPPER)
        value = upper
    return Normalized(value=value, fixes=fixes)
