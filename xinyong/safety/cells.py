"""Cells the platform writes to spreadsheets (CSV, XLSX) never run as formulas.

Excel, WPS and LibreOffice take a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, after
a tab or carriage return, whatever follows) as a formula: ``=HYPERLINK(...)`` or ``=cmd|...``
in a department's row would run on the clerk's machine that opens the rejected-rows file,
an export or a bulk-check result. As OWASP recommends (CSV injection), such a cell is written
with a leading apostrophe, so the program shows it as text. Plain numbers (``-12.5``,
``+8613800000000``) start with a sign but are no formula, and are written as they are.

``safe_cell`` is the rule; ``safe_frame`` is the same rule over a Polars frame (the same two
patterns, tested against each other), for files of many rows; ``xlsx_cell`` also replaces the
control characters an XLSX file cannot hold.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
PREFIX = "'"
_FORMULA = re.compile(FORMULA_START)
_NUMBER = re.compile(PLAIN_NUMBER)
# Characters XML 1.0 (and so XLSX) cannot hold: openpyxl refuses them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"


def safe_cell(value: Any) -> Any:
    """``value`` as it may be written to a spreadsheet cell: text that a spreadsheet program
    would take as a formula gets a leading apostrophe; everything else is unchanged."""
    if isinstance(value, str) and _FORMULA.match(value) and not _NUMBER.match(value):
        return PREFIX + value
    return value


def xlsx_cell(value: Any) -> Any:
    """``safe_cell`` for an XLSX cell: control characters XML cannot hold become U+FFFD."""
    value = safe_cell(value)
    if isinstance(value, str):
        return _XML_ILLEGAL.sub(REPLACEMENT, value)
    return value


def safe_column(column: str | pl.Expr) -> pl.Expr:
    """``safe_cell`` as a Polars expression over a String column."""
    expr = pl.col(column) if isinstance(column, str) else column
    risky = expr.str.contains(FORMULA_START) & ~expr.str.contains(PLAIN_NUMBER)
    return pl.when(risky).then(pl.lit(PREFIX) + expr).otherwise(expr)


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell, and every column name, passed through ``safe_cell``."""
    cells = frame.with_columns(
        safe_column(name).alias(name) for name, dtype in frame.schema.items() if dtype == pl.String
    )
    return cells.rename({name: safe_cell(name) for name in cells.columns})


def safe_csv(frame: pl.DataFrame) -> str:
    """``frame`` as CSV text with every cell safe to open in a spreadsheet program."""
    return safe_frame(frame).write_csv()
