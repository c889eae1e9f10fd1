"""Reading departments' files as chunks of text columns: CSV (any common encoding), XLSX, JSONL.

Every value arrives as a string (or null); cleaning decides what it means. Large files are read
in chunks so memory stays bounded.
"""

from __future__ import annotations

import codecs
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

CHUNK_ROWS = 50_000
ENCODINGS = ("utf-8-sig", "gb18030")
ROW_NUMBER = "_row"


class ReadError(ValueError):
    """The file cannot be read; the message says why, in Chinese."""


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


ENCODING_PROBE_BYTES = 4 << 20


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, from the file's first ENCODING_PROBE_BYTES.

    When they hold Chinese text that decodes as UTF-8, the file is UTF-8 (GBK text is next to
    never valid UTF-8); the rest is checked as it is read (``_csv_blocks``). A start that is
    plain ASCII proves nothing, so then the whole file is checked here.
    """
    probe = ENCODING_PROBE_BYTES
    with path.open("rb") as handle:
        head = handle.read(probe)
        whole = len(head) < probe
    try:
        # not final: a character cut at the end of the probe is not an error
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
        if not head.isascii() or whole or _decodes_whole(path, "utf-8", probe):
            return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    if _decodes_whole(path, "gb18030", probe):
        return "gb18030"
    raise ReadError("文件编码无法识别：既不是 UTF-8，也不是 GB18030/GBK")


def _decodes_whole(path: Path, encoding: str, block_bytes: int) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while block := handle.read(block_bytes):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf8_copy(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of a GB18030 file (streamed), for the CSV parser."""
    target = Path(tempfile.mkstemp(suffix=".csv", prefix="xinyong-")[1])
    with (
        path.open("r", encoding=encoding, newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        while block := src.read(1 << 20):
            dst.write(block)
    return target


def _csv_headers(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        import csv

        return next(csv.reader(handle), [])


def _strip_bom(name: str) -> str:
    return name.lstrip("\ufeff")


CSV_BLOCK_BYTES = 16 << 20


def _record_end(block: bytes) -> int:
    """Index just past the last complete record of a block that starts at a record boundary
    (a newline outside quotes: an even number of quote characters before it); 0 if none."""
    end = block.rfind(b"\n")
    quotes = block.count(b'"', 0, end) if end >= 0 else 0
    while end >= 0 and quotes % 2:
        previous = block.rfind(b"\n", 0, end)
        quotes -= block.count(b'"', previous + 1, end)
        end = previous
    return end + 1


MIXED_ENCODING = (
    "文件编码不一致：开头是 UTF-8，后面有不是 UTF-8 的内容（可能混有 GBK/GB18030 文字）；"
    "请将整个文件另存为 UTF-8 或 GB18030 后重新提交"
)


def _parse_block(part: bytes, columns: list[str]) -> pl.DataFrame:
    try:
        return pl.read_csv(
            io.BytesIO(part),
            has_header=False,
            new_columns=columns,
            infer_schema=False,
            encoding="utf8",
            quote_char='"',
        )
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower():
            raise ReadError(MIXED_ENCODING) from exc
        raise


def _csv_blocks(path: Path, columns: list[str]) -> Iterator[pl.DataFrame]:
    """The file's records as frames, parsed from blocks of whole records read one at a time
    (memory stays at a block or two whatever the file's size)."""
    with path.open("rb") as handle:
        pending = handle.read(CSV_BLOCK_BYTES).removeprefix(codecs.BOM_UTF8)
        start = _record_end(pending[: pending.find(b"\n") + 1] or pending)
        while start == 0 and (more := handle.read(CSV_BLOCK_BYTES)):
            pending += more  # a header longer than a block
            start = _record_end(pending)
        pending = pending[start:] if start else b""
        while True:
            more = handle.read(CSV_BLOCK_BYTES)
            block = pending + more
            cut = _record_end(block) if more else len(block)
            if cut == 0 and more:
                pending = block  # one record longer than a block: read on
                continue
            part, pending = block[:cut], block[cut:]
            if part.strip():
                yield _parse_block(part, columns)
            if not more:
                return


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[pl.DataFrame]:
    columns = [
        _strip_bom(c)
        for c in pl.read_csv(path, n_rows=0, infer_schema=False, encoding="utf8").columns
    ]
    offset = 0
    buffered: list[pl.DataFrame] = []
    held = 0
    for frame in _csv_blocks(path, columns):
        buffered.append(frame)
        held += frame.height
        while held >= chunk_rows:
            joined = pl.concat(buffered)
            chunk, rest = joined.head(chunk_rows), joined.slice(chunk_rows)
            yield chunk.with_row_index(ROW_NUMBER, offset=offset + 2)
            offset += chunk.height
            buffered, held = [rest], rest.height
    if held:
        yield pl.concat(buffered).with_row_index(ROW_NUMBER, offset=offset + 2)


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


def _xlsx_rows(path: Path) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ReadError(f"Excel 文件无法打开：{exc}") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None) or ()
    headers = [str(h).strip() if h is not None else "" for h in header_row]
    while headers and not headers[-1]:
        headers.pop()
    return headers, rows


def _xlsx_chunks(path: Path, chunk_rows: int) -> Iterator[pl.DataFrame]:
    headers, rows = _xlsx_rows(path)
    columns = _unique_headers(headers)
    buffer: list[list[str | None]] = []
    lines: list[int] = []
    for line, row in enumerate(rows, start=2):  # the sheet's own row numbers
        cells = [_cell_text(v) for v in row[: len(columns)]]
        cells += [None] * (len(columns) - len(cells))
        if any(c is not None for c in cells):  # blank rows are not rows
            buffer.append(cells)
            lines.append(line)
        if len(buffer) >= chunk_rows:
            yield _frame(columns, buffer, lines)
            buffer, lines = [], []
    if buffer:
        yield _frame(columns, buffer, lines)


def _frame(columns: list[str], rows: list[list[str | None]], lines: list[int]) -> pl.DataFrame:
    data = {name: [r[i] for r in rows] for i, name in enumerate(columns)}
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))
    return frame.with_columns(pl.Series(ROW_NUMBER, lines, dtype=pl.UInt32)).select(
        [ROW_NUMBER, *columns]
    )


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for i, header in enumerate(headers):
        name = header or f"未命名列{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}#{seen[name]}"
        else:
            seen[name] = 1
        unique.append(name)
    return unique


def _jsonl_chunks(path: Path, chunk_rows: int) -> Iterator[pl.DataFrame]:
    columns: list[str] = []
    buffer: list[dict[str, Any]] = []
    with path.open("r", encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReadError(f"第{number}行不是有效的 JSON：{exc.msg}") from exc
            if not isinstance(row, dict):
                raise ReadError(f"第{number}行应为 JSON 对象（键: 值）")
            row[ROW_NUMBER] = number
            buffer.append(row)
            columns += [k for k in row if k not in columns and k != ROW_NUMBER]
            if len(buffer) >= chunk_rows:
                yield _json_frame(columns, buffer)
                buffer = []
    if buffer:
        yield _json_frame(columns, buffer)


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
    return frame.with_columns(rows_col).select([ROW_NUMBER, *columns])


def rows_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows pushed as JSON objects (API), numbered from 1."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    numbered = [dict(r, **{ROW_NUMBER: i}) for i, r in enumerate(rows, start=1)]
    return _json_frame(columns, numbered)


@dataclass
class OpenedFile:
    source: SourceFile
    chunks: Iterator[pl.DataFrame]
    cleanup: Path | None = None

    def close(self) -> None:
        if self.cleanup is not None:
            self.cleanup.unlink(missing_ok=True)


def open_file(path: Path, chunk_rows: int = CHUNK_ROWS) -> OpenedFile:
    kind = detect_kind(path)
    if not path.exists():
        raise ReadError(f"文件不存在：{path}")
    if kind == "csv":
        encoding = detect_encoding(path)
        readable = _utf8_copy(path, encoding) if encoding == "gb18030" else path
        headers = [_strip_bom(h) for h in _csv_headers(readable)]
        if not headers:
            raise ReadError("文件为空：没有表头行")
        cleanup = readable if readable != path else None
        source = SourceFile(path, kind, encoding, headers)
        return OpenedFile(source, _csv_chunks(readable, chunk_rows), cleanup)
    if kind == "xlsx":
        headers, _ = _xlsx_rows(path)
        return OpenedFile(SourceFile(path, kind, None, headers), _xlsx_chunks(path, chunk_rows))
    with path.open("r", encoding="utf-8-sig") as handle:
        first = next((line for line in handle if line.strip()), "{}")
    try:
        headers = list(json.loads(first).keys())
    except (json.JSONDecodeError, AttributeError) as exc:
        raise ReadError("第1行不是有效的 JSON 对象") from exc
    return OpenedFile(SourceFile(path, kind, None, headers), _jsonl_chunks(path, chunk_rows))


def estimate_rows(path: Path) -> int:
    """Rows in a file, for a progress bar (counted lines; Excel's recorded dimension)."""
    kind = detect_kind(path)
    if kind == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        return max((workbook.worksheets[0].max_row or 1) - 1, 1)
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            lines += block.count(b"\n")
    return max(lines - (1 if kind == "csv" else 0), 1)
