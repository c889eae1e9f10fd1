"""Faults of single rows found while a file is read: too few or too many fields, a NUL
byte, bytes that are not text in the file's encoding, a cell over the length limit.

Such a row is not a reason to refuse the file: the reader gives it with its reason in the
column READ_ERROR (absent when a chunk has no faulty row), the batch rejects it with that
reason and loads the rest (``xinyong.ingest.pipeline``).
"""

from __future__ import annotations

import polars as pl

READ_ERROR = "_read_error"
NOT_LOADED = "本行未载入"


def short_row(found: int, expected: int) -> str:
    return (
        f"本行有{found}个字段，表头有{expected}列：字段数不足（可能少了分隔符，或一个值中的"
        f"换行没有加引号），{NOT_LOADED}"
    )


def long_row(found: int, expected: int) -> str:
    return (
        f"本行有{found}个字段，表头有{expected}列：字段数过多（可能有值中的逗号没有加引号），"
        f"{NOT_LOADED}"
    )


def nul_byte(column: str) -> str:
    return f"“{column}”列含有空字符（NUL，\\x00），{NOT_LOADED}"


def undecodable(column: str, encoding: str) -> str:
    return (
        f"“{column}”列含有无法按 {encoding} 解码的字节（显示为�），{NOT_LOADED}："
        f"请检查该行的编码，整个文件应统一保存为 UTF-8 或 GB18030"
    )


def too_long(column: str, length: int | pl.Expr, limit: int) -> pl.Expr:
    """The reason for a cell of ``length`` characters over ``limit`` (an expression)."""
    shown = length.cast(pl.String) if isinstance(length, pl.Expr) else pl.lit(f"{length:,}")
    return pl.concat_str(
        pl.lit(f"“{column}”列长度为"),
        shown,
        pl.lit(
            f"个字符，超过单元格长度上限{limit:,}个字符（XINYONG_INGEST_MAX_CELL_CHARS），{NOT_LOADED}"
        ),
    )


def flag_faults(
    frame: pl.DataFrame, columns: list[str], max_cell_chars: int, nul: bool = True
) -> pl.DataFrame:
    """``frame`` with READ_ERROR set for rows holding a NUL byte (``nul``) or a cell longer
    than ``max_cell_chars``; unchanged (and cheap) when there is none."""
    present = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    if not present or frame.height == 0:
        return frame
    checks: list[pl.Expr] = []
    longest = frame.select(pl.max_horizontal(pl.col(present).str.len_bytes().max())).item()
    if longest is not None and longest > max_cell_chars:  # (bytes: never fewer than chars)
        for c in present:
            length = pl.col(c).str.len_chars()
            checks.append(
                pl.when(length > max_cell_chars).then(too_long(c, length, max_cell_chars))
            )
    has_nul = pl.any_horizontal(pl.col(present).str.contains("\x00", literal=True)).any()
    if nul and frame.select(has_nul).item():
        for c in present:
            contains = pl.col(c).str.contains("\x00", literal=True)
            checks.append(pl.when(contains).then(pl.lit(nul_byte(c))))
    if not checks:
        return frame
    found = pl.coalesce(checks)
    if READ_ERROR in frame.columns:
        found = pl.coalesce(pl.col(READ_ERROR), found)
    return frame.with_columns(found.alias(READ_ERROR))
