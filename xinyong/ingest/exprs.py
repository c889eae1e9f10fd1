"""Building blocks of the cleaning expressions: a field's label, a message naming the field
and the value, a check (``Issue``) worded only where it fires, a code list's spellings."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from xinyong.catalog.registry import CodeList
from xinyong.catalog.schema import Field
from xinyong.identifiers.normalize import HALFWIDTH

_FULLWIDTH = [chr(c) for c in HALFWIDTH]
_HALFWIDTH = [chr(c) for c in HALFWIDTH.values()]


def label(f: Field) -> str:
    return f"{f.header}（{f.code}）"


def message(f: Field, raw: pl.Expr, reason: pl.Expr | str) -> pl.Expr:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return pl.concat_str([pl.lit(f"{label(f)}“"), raw.fill_null(""), pl.lit("”："), reason_expr])


def halfwidth(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_many(_FULLWIDTH, _HALFWIDTH)


@dataclass(frozen=True)
class Issue:
    """A check: where it applies (``when``, cheap) and what it says there (``message``).

    Conditions are evaluated on every row; messages only on the few rows where some condition
    holds, so building Chinese text never costs time on clean rows.
    """

    when: pl.Expr
    message: pl.Expr

    def expr(self) -> pl.Expr:
        return pl.when(self.when).then(self.message).otherwise(none())


def issue(when: pl.Expr, message: pl.Expr | str) -> list[Issue]:
    text = pl.lit(message) if isinstance(message, str) else message
    return [Issue(when.fill_null(False), text)]


def none() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


def code_mapping(codes: CodeList) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for entry in codes.values:
        for name in (entry.value, *entry.aliases):
            mapping[name] = entry.value
    return mapping
