"""Rejected rows go back to the department as a file in the input's format, with an added
错误说明 column, ready to correct and resubmit. The file holds personal data: it is created
readable by the platform's user only (``xinyong.privacy.files``)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from xinyong.ingest.readers import ROW_NUMBER, SourceFile
from xinyong.privacy.files import private_file
from xinyong.safety.cells import safe_csv, xlsx_cell

ERROR_COLUMN = "错误说明"
ROW_COLUMN = "原行号"


def rejected_path(source: SourceFile, directory: Path | None = None) -> Path:
    folder = directory or source.path.parent
    suffix = ".csv" if source.kind == "csv" else ".xlsx" if source.kind == "xlsx" else ".jsonl"
    return folder / f"{source.path.stem}.rejected{suffix}"


def write_rejected(
    frame: pl.DataFrame, headers: list[str], kind: str, encoding: str | None, target: Path
) -> Path:
    """Write the original columns of rejected rows plus their reasons (a CSV or XLSX cell that
    a spreadsheet would run as a formula is written as text: ``xinyong.safety.cells``)."""
    columns = [h for h in headers if h in frame.columns]
    table = frame.select(
        [pl.col(ROW_NUMBER).alias(ROW_COLUMN), *[pl.col(c) for c in columns], pl.col(ERROR_COLUMN)]
    )
    private_file(target)
    if kind == "csv":
        text = safe_csv(table)
        target.write_bytes(text.encode("gb18030" if encoding == "gb18030" else "utf-8-sig"))
    elif kind == "xlsx":
        _write_xlsx(table, target)
    else:
        with target.open("w", encoding="utf-8") as handle:
            for row in table.iter_rows(named=True):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return target


def _write_xlsx(table: pl.DataFrame, target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "退回数据"
    sheet.append([xlsx_cell(c) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.iter_rows():
        sheet.append([xlsx_cell(v) for v in row])
    error_col = sheet.max_column
    for (cell,) in sheet.iter_rows(min_row=2, min_col=error_col, max_col=error_col):
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.column_dimensions[sheet.cell(1, error_col).column_letter].width = 80
    workbook.save(target)
