"""Normalisation of codes as departments type them, recording every fix in Chinese."""

from __future__ import annotations

from dataclasses import dataclass, field

_FULLWIDTH_OFFSET = 0xFEE0
_SPACES = {" ", "\u3000", "\t", "\u00a0", "\r", "\n", "\u200b", "\ufeff"}


@dataclass(frozen=True)
class Normalized:
    value: str
    fixes: list[str] = field(default_factory=list)


_HALFWIDTH = {code: code - _FULLWIDTH_OFFSET for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_NO_SPACES = dict.fromkeys(map(ord, _SPACES))


def to_halfwidth(text: str) -> str:
    """Turn full-width ASCII (！..～) and the ideographic space into their ASCII forms."""
    return text.translate(_HALFWIDTH)


def normalize_code(raw: str) -> Normalized:
    """Normalise a USCC or resident ID: full-width to half-width, spaces removed, upper case."""
    fixes: list[str] = []
    value = raw
    half = to_halfwidth(value)
    if half != value:
        fixes.append("全角字符已转为半角")
        value = half
    stripped = value.translate(_NO_SPACES)
    if stripped != value:
        fixes.append("已去除空格")
        value = stripped
    upper = value.upper()
    if upper != value:
        fixes.append("小写字母已转为大写")
        value = upper
    return Normalized(value=value, fixes=fixes)
