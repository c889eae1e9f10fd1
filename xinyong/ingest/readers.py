"""Reading departments' files as chunks of text columns: CSV (any common encoding), XLSX, JSONL.

Every value arrives as a string (or null); cleaning decides what it means. Large files are read
in chunks so memory stays bounded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from xinyong.ingest.csvfile import (
    ROW_NUMBER,
    csv_chunks,
    csv_header,
    detect_encoding,
    unique_columns,
    utf8_copy,
)
from xinyong.ingest.errors import LimitError, ReadError
from xinyong.ingest.faults import READ_ERROR, flag_faults
from xinyong.safety.limits import check_columns, check_size, check_xlsx, limits, row_limit_error
from xinyong.settings import IngestLimits

__all__ = ["READ_ERROR", "ROW_NUMBER", "LimitError", "ReadError", "open_file", "rows_frame"]
CHUNK_ROWS = 50_000
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: str  # "csv", "xlsx" or "jsonl"
    encoding: str | None  # for CSV: "utf-8-sig" (with or without BOM) or "gb18030"
    headers: list[str]


def detect_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise ReadError(f"不支持的文件类型“{path.suffix}”：请提交 CSV、XLSX 或 JSON Lines 文件")


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _xlsx_rows(path: Path, rules: IngestLimits) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    from openpyxl import load_workbook

    check_xlsx(path, rules)  # size, uncompressed size and ratio: before anything is opened
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None) or ()
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ReadError(f"Excel 文件无法打开：{exc}") from exc
    headers = [str(h).strip() if h is not None else "" for h in header_row]
    while headers and not headers[-1]:
        headers.pop()
    check_columns(len(headers), rules)
    return headers, rows


def _xlsx_chunks(path: Path, chunk_rows: int, rules: IngestLimits) -> Iterator[pl.DataFrame]:
    headers, rows = _xlsx_rows(path, rules)
    columns = unique_columns(headers)
    buffer: list[list[str | None]] = []
    lines: list[int] = []
    count = 0
    for line, row in enumerate(rows, start=2):  # the sheet's own row numbers
        cells = [_cell_text(v) for v in row[: len(columns)]]
        cells += [None] * (len(columns) - len(cells))
        if any(c is not None for c in cells):  # blank rows are not rows
            buffer.append(cells)
            lines.append(line)
            count += 1
            if count > rules.max_rows:
                raise row_limit_error(rules)
        if len(buffer) >= chunk_rows:
            yield flag_faults(_frame(columns, buffer, lines), columns, rules.max_cell_chars)
            buffer, lines = [], []
    if buffer:
        yield flag_faults(_frame(columns, buffer, lines), columns, rules.max_cell_chars)


def _frame(columns: list[str], rows: list[list[str | None]], lines: list[int]) -> pl.DataFrame:
    data = {name: [r[i] for r in rows] for i, name in enumerate(columns)}
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))
    return frame.with_columns(pl.Series(ROW_NUMBER, lines, dtype=pl.UInt32)).select(
        [ROW_NUMBER, *columns]
    )


def _json_line(line: str, number: int) -> tuple[dict[str, Any], str | None]:
    """A line's object, or an empty one and the reason it is not one."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return {}, f"第{number}行不是有效的 JSON：{exc.msg}（第{exc.colno}个字符），本行未载入"
    except RecursionError:
        return {}, f"第{number}行的 JSON 嵌套过深，本行未载入"
    if not isinstance(row, dict):
        return {}, f"第{number}行应为 JSON 对象（键: 值），本行未载入"
    return row, None


def _jsonl_chunks(path: Path, chunk_rows: int, rules: IngestLimits) -> Iterator[pl.DataFrame]:
    columns: list[str] = []
    buffer: list[dict[str, Any]] = []
    longest = rules.max_cell_chars * 4 * rules.max_columns
    count = 0
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        number = 0
        while line := handle.readline(longest + 1):
            number += 1
            if len(line) > longest:
                raise LimitError(
                    f"第{number}行超过 {longest:,} 个字符，超出单元格长度上限"
                    f"{rules.max_cell_chars:,}个字符（XINYONG_INGEST_MAX_CELL_CHARS）×列数："
                    "文件未载入"
                )
            if not line.strip():
                continue
            row, reason = _json_line(line, number)
            if "\ufffd" in line and reason is None:
                reason = f"第{number}行含有无法按 UTF-8 解码的字节（显示为�），本行未载入"
            row[ROW_NUMBER] = number
            if reason is not None:
                row[READ_ERROR] = reason
            buffer.append(row)
            columns += [k for k in row if k not in columns and k not in (ROW_NUMBER, READ_ERROR)]
            check_columns(len(columns), rules)
            count += 1
            if count > rules.max_rows:
                raise row_limit_error(rules)
            if len(buffer) >= chunk_rows:
                yield flag_faults(_json_frame(columns, buffer), columns, rules.max_cell_chars)
                buffer = []
    if buffer:
        yield flag_faults(_json_frame(columns, buffer), columns, rules.max_cell_chars)


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return _cell_text(value)


def _json_frame(columns: list[str], rows: list[dict[str, Any]]) -> pl.DataFrame:
    data: dict[str, list[Any]] = {c: [_json_text(r.get(c)) for r in rows] for c in columns}
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))
    rows_col = pl.Series(ROW_NUMBER, [r[ROW_NUMBER] for r in rows], dtype=pl.UInt32)
    frame = frame.with_columns(rows_col).select([ROW_NUMBER, *columns])
    if any(READ_ERROR in r for r in rows):
        reasons = pl.Series(READ_ERROR, [r.get(READ_ERROR) for r in rows], dtype=pl.String)
        frame = frame.with_columns(reasons)
    return frame


def rows_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows pushed as JSON objects (API), numbered from 1; a row with a NUL byte or a cell over
    the length limit carries its reason in READ_ERROR."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    rules = limits()
    check_columns(len(columns), rules)
    numbered = [dict(r, **{ROW_NUMBER: i}) for i, r in enumerate(rows, start=1)]
    return flag_faults(_json_frame(columns, numbered), columns, rules.max_cell_chars)


@dataclass
class OpenedFile:
    source: SourceFile
    chunks: Iterator[pl.DataFrame]
    cleanup: Path | None = None

    def close(self) -> None:
        if self.cleanup is not None:
            self.cleanup.unlink(missing_ok=True)


def open_file(
    path: Path, chunk_rows: int = CHUNK_ROWS, rules: IngestLimits | None = None
) -> OpenedFile:
    """The file's header and its rows in chunks, once its size (and for XLSX, what it would
    decompress to) is within the limits; every chunk has ROW_NUMBER, the columns, and
    READ_ERROR when a row in it is faulty."""
    kind = detect_kind(path)
    if not path.exists():
        raise ReadError(f"文件不存在：{path}")
    rules = rules or limits()
    check_size(path.stat().st_size, rules)
    if kind == "csv":
        encoding = detect_encoding(path)
        readable, replaced = (path, False) if encoding != "gb18030" else utf8_copy(path, encoding)
        cleanup = readable if readable != path else None
        try:
            headers, columns = csv_header(readable, rules)
        except ReadError:
            if cleanup is not None:
                cleanup.unlink(missing_ok=True)
            raise
        source = SourceFile(path, kind, encoding, headers)
        chunks = csv_chunks(readable, columns, chunk_rows, rules, replaced)
        return OpenedFile(source, chunks, cleanup)
    if kind == "xlsx":
        headers, _ = _xlsx_rows(path, rules)
        unique_columns(headers)  # a repeated header is refused before any row is read
        source = SourceFile(path, kind, None, headers)
        return OpenedFile(source, _xlsx_chunks(path, chunk_rows, rules))
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        first = next((line for line in handle if line.strip()), "{}")
    row, reason = _json_line(first, 1)
    document = json_document(path, first, row if reason is None else None)
    if document is not None:
        headers = _json_columns(document, rules)
        source = SourceFile(path, kind, None, headers)
        return OpenedFile(source, _document_chunks(document, headers, chunk_rows, rules))
    if reason is not None:
        raise ReadError(f"第1行不是有效的 JSON 对象：{reason}")
    return OpenedFile(
        SourceFile(path, kind, None, list(row)), _jsonl_chunks(path, chunk_rows, rules)
    )


def _rows_in(document: Any) -> list[Any] | None:
    """The rows of a JSON document: the document itself when it is a list, else the one value
    of an object that is a list starting with an object (``{"erDataList": [...]}``); None:
    not a document of rows (a JSON Lines file's single row)."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = [v for v in document.values() if isinstance(v, list) and v]
        lists = [v for v in lists if isinstance(v[0], dict)]
        if len(lists) == 1:
            return lists[0]
    return None


def json_document(path: Path, first: str, first_row: dict[str, Any] | None) -> list[Any] | None:
    """A file that is one JSON document holding a list of rows, read whole; None for JSON
    Lines (one object per line). Only a first line that is not an object by itself, or is an
    object holding a list of objects, makes the whole file be parsed."""
    if first_row is not None and _rows_in(first_row) is None:
        return None
    if first_row is None and not first.lstrip().startswith(("[", "{")):
        return None
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
            document = json.load(handle)
    except (json.JSONDecodeError, RecursionError):
        return None
    return _rows_in(document)


def _json_columns(rows: list[Any], rules: IngestLimits) -> list[str]:
    columns: dict[str, None] = {}
    for row in rows:
        if isinstance(row, dict):
            columns.update(dict.fromkeys(row))
            check_columns(len(columns), rules)
    if len(rows) > rules.max_rows:
        raise row_limit_error(rules)
    return list(columns)


def _document_chunks(
    rows: list[Any], columns: list[str], chunk_rows: int, rules: IngestLimits
) -> Iterator[pl.DataFrame]:
    """The document's rows, numbered from 1 in the order of the list; an element that is not
    an object is rejected with the reason."""
    for start in range(0, len(rows), chunk_rows):
        buffer = []
        for number, row in enumerate(rows[start : start + chunk_rows], start=start + 1):
            if isinstance(row, dict):
                buffer.append(dict(row, **{ROW_NUMBER: number}))
            else:
                reason = f"第{number}条应为 JSON 对象（键: 值），本条未载入"
                buffer.append({ROW_NUMBER: number, READ_ERROR: reason})
        yield flag_faults(_json_frame(columns, buffer), columns, rules.max_cell_chars)


def estimate_rows(path: Path) -> int:
    """Rows in a file, for a progress bar (counted lines; Excel's recorded dimension)."""
    kind = detect_kind(path)
    if kind == "xlsx":
        from openpyxl import load_workbook

        check_xlsx(path)
        workbook = load_workbook(path, read_only=True)
        return max((workbook.worksheets[0].max_row or 1) - 1, 1)
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            lines += block.count(b"\n")
    return max(lines - (1 if kind == "csv" else 0), 1)
