"""CSV files: the encoding (UTF-8 with or without BOM, or GB18030), the header, and the
records as frames of text, parsed by Polars in blocks of whole records.

A fault of one record stays with that record (``xinyong.ingest.faults``): a block whose
records do not all have the header's number of fields, or that holds a NUL byte or bytes
that are not text, is parsed again record by record (Python's csv module), and the faulty
records carry their reason. Blocks without such faults, nearly all, take the fast path: the
separators outside values must add up to rows x (columns - 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from xinyong.ingest.errors import LimitError, ReadError
from xinyong.ingest.faults import (
    READ_ERROR,
    flag_faults,
    long_row,
    nul_byte,
    short_row,
    undecodable,
)
from xinyong.safety.limits import check_columns, megabytes, row_limit_error
from xinyong.settings import IngestLimits

ROW_NUMBER = "_row"
ENCODING_PROBE_BYTES = 4 << 20
CSV_BLOCK_BYTES = 16 << 20
HEADER_BYTES = 1 << 20
REPLACEMENT = "\ufffd".encode()
_SURROGATE = re.compile("[\udc80-\udcff]")
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # cells are limited elsewhere


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, from the file's first ENCODING_PROBE_BYTES.

    When they hold Chinese text that decodes as UTF-8, the file is UTF-8 (GBK text is next to
    never valid UTF-8). A start that is plain ASCII proves nothing, so then the whole file is
    checked. A few lines in another encoding do not decide: each line with non-ASCII bytes
    votes for the encodings it decodes in, and those lines alone are rejected later.
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
    if head.isascii():  # the other text is further on: let all of it vote
        if _decodes_whole(path, "gb18030", probe):
            return "gb18030"
        utf8, gbk = _votes_in_file(path, probe)
    else:
        utf8, gbk = _votes(head[: head.rfind(b"\n") + 1] or head)
    if utf8 >= gbk and utf8 > 0:
        return "utf-8-sig"
    if gbk > 0:
        return "gb18030"
    raise ReadError("文件编码无法识别：既不是 UTF-8，也不是 GB18030/GBK")


def _votes(data: bytes) -> tuple[int, int]:
    """Lines with non-ASCII bytes that decode as UTF-8, and as GB18030 but not UTF-8."""
    utf8 = gbk = 0
    for line in data.splitlines():
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            try:
                line.decode("gb18030")
                gbk += 1
            except UnicodeDecodeError:
                pass
    return utf8, gbk


def _votes_in_file(path: Path, block_bytes: int) -> tuple[int, int]:
    utf8 = gbk = 0
    pending = b""
    with path.open("rb") as handle:
        while block := handle.read(block_bytes):
            data = pending + block
            cut = data.rfind(b"\n") + 1
            pending = data[cut:]
            u, g = _votes(data[:cut])
            utf8, gbk = utf8 + u, gbk + g
    u, g = _votes(pending)
    return utf8 + u, gbk + g


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


def utf8_copy(path: Path, encoding: str) -> tuple[Path, bool]:
    """A UTF-8 copy of a GB18030 file (streamed) for the CSV parser, and whether some bytes
    did not decode (they become U+FFFD, and their records are rejected)."""
    target = Path(tempfile.mkstemp(suffix=".csv", prefix="xinyong-")[1])
    replaced = False
    with (
        path.open("r", encoding=encoding, errors="replace", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        while block := src.read(1 << 20):
            replaced = replaced or "\ufffd" in block
            dst.write(block)
    return target, replaced


def _first_record_end(data: bytes) -> int:
    """Index just past the first record of ``data`` (a newline outside quotes); 0: none."""
    position = quotes = 0
    while (newline := data.find(b"\n", position)) >= 0:
        quotes += data.count(b'"', position, newline)
        if quotes % 2 == 0:
            return newline + 1
        position = newline + 1
    return 0


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


def csv_header(path: Path, rules: IngestLimits) -> tuple[list[str], list[str]]:
    """The header as written (BOM removed) and the column names of the frames (a blank header
    becomes 未命名列N). Refuses a duplicate header, naming it, and a header over the limits."""
    with path.open("rb") as handle:
        head = handle.read(HEADER_BYTES + 1).removeprefix(codecs.BOM_UTF8)
    end = _first_record_end(head)
    if end == 0 and len(head) > HEADER_BYTES:
        raise LimitError(f"表头行超过 {megabytes(HEADER_BYTES)}：这不是一个正常的表头，文件未载入")
    text = head[: end or len(head)].decode("utf-8", errors="replace")
    try:
        headers = [h.lstrip("\ufeff").strip() for h in next(csv.reader(io.StringIO(text)), [])]
    except csv.Error as exc:
        raise ReadError(f"表头行无法解析：{exc}") from exc
    if not headers or not any(headers):
        raise ReadError("文件为空：没有表头行")
    check_columns(len(headers), rules)
    return headers, unique_columns(headers)


def unique_columns(headers: list[str]) -> list[str]:
    """Column names for ``headers``: a blank one becomes 未命名列N; a repeated one is refused,
    naming it and its columns."""
    seen: dict[str, int] = {}
    columns = []
    for index, header in enumerate(headers, start=1):
        if not header:
            columns.append(f"未命名列{index}")
            continue
        if header in seen:
            raise ReadError(
                f"表头“{header}”重复出现（第{seen[header]}列和第{index}列）：每列的表头应不同，"
                "请删除多余的列或改名后重新提交，文件未载入"
            )
        seen[header] = index
        columns.append(header)
    return columns


def _fields_add_up(part: bytes, frame: pl.DataFrame, width: int) -> bool:
    """Whether every record of ``part`` had ``width`` fields: the separators outside values
    (all commas, less those inside the values) are rows x (width - 1). A longer record makes
    Polars fail, so a shorter one is the only thing this can miss, and it cannot."""
    commas = part.count(b",")
    if b'"' in part:
        inside = frame.select(
            pl.sum_horizontal(pl.all().str.count_matches(",", literal=True).sum())
        ).item()
        commas -= int(inside or 0)
    return commas == frame.height * (width - 1)


def _parse_block(part: bytes, columns: list[str], replaced: bool) -> pl.DataFrame:
    if b"\x00" in part or (replaced and REPLACEMENT in part):
        return _parse_records(part, columns, replaced)
    try:
        frame = pl.read_csv(
            io.BytesIO(part),
            has_header=False,
            new_columns=columns,
            infer_schema=False,
            encoding="utf8",
            quote_char='"',
        )
    except pl.exceptions.PolarsError:  # a record with too many fields, bytes that are not UTF-8
        return _parse_records(part, columns, replaced)
    if frame.width != len(columns) or not _fields_add_up(part, frame, len(columns)):
        return _parse_records(part, columns, replaced)
    return frame


def _parse_records(part: bytes, columns: list[str], replaced: bool) -> pl.DataFrame:
    """The slow path: record by record, each faulty record with its reason."""
    width = len(columns)
    text = part.decode("utf-8", errors="surrogateescape")
    values: list[list[str | None]] = []
    reasons: list[str | None] = []
    for fields in csv.reader(io.StringIO(text, newline="")):
        reason = None
        if fields and len(fields) < width:
            reason = short_row(len(fields), width)
        elif len(fields) > width:
            reason = long_row(len(fields), width)
        cells: list[str | None] = []
        for column, value in zip(columns, fields, strict=False):
            if reason is None and "\x00" in value:
                reason = nul_byte(column)
            if _SURROGATE.search(value):
                reason = reason or undecodable(column, "UTF-8")
                value = _SURROGATE.sub("\ufffd", value)
            elif replaced and reason is None and "\ufffd" in value:
                reason = undecodable(column, "GB18030")
            cells.append(value or None)
        values.append(cells + [None] * (width - len(cells)))
        reasons.append(reason)
    data = {c: [row[i] for row in values] for i, c in enumerate(columns)}
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))
    if any(r is not None for r in reasons):
        frame = frame.with_columns(pl.Series(READ_ERROR, reasons, dtype=pl.String))
    return frame


def _csv_blocks(path: Path, columns: list[str], rules: IngestLimits) -> Iterator[bytes]:
    """The file's records in blocks of whole records read one at a time (memory stays at a
    block or two whatever the file's size). A record longer than every cell at its limit
    could be refuses the file, naming the limit."""
    longest = max(CSV_BLOCK_BYTES, rules.max_cell_chars * 4 * len(columns))
    with path.open("rb") as handle:
        head = handle.read(CSV_BLOCK_BYTES).removeprefix(codecs.BOM_UTF8)
        while not (start := _first_record_end(head)) and (more := handle.read(CSV_BLOCK_BYTES)):
            head += more  # a header longer than a block (csv_header bounds it)
        pending = head[start:] if start else b""
        while True:
            more = handle.read(CSV_BLOCK_BYTES)
            block = pending + more
            cut = _record_end(block) if more else len(block)
            if cut == 0 and more:
                if len(block) > longest:
                    raise LimitError(
                        f"文件中有一行超过 {megabytes(longest)}，其中的值超过单元格长度上限"
                        f"{rules.max_cell_chars:,}个字符（XINYONG_INGEST_MAX_CELL_CHARS）："
                        "文件未载入"
                    )
                pending = block  # one record longer than a block: read on
                continue
            part, pending = block[:cut], block[cut:]
            if part.strip():
                yield part
            if not more:
                return


def csv_chunks(
    path: Path, columns: list[str], chunk_rows: int, rules: IngestLimits, replaced: bool = False
) -> Iterator[pl.DataFrame]:
    """The file's rows in frames of ``chunk_rows``, numbered as the file's lines (the header
    is line 1); a faulty row carries its reason in READ_ERROR."""
    offset = 0
    buffered: list[pl.DataFrame] = []
    held = 0
    for part in _csv_blocks(path, columns, rules):
        frame = _parse_block(part, columns, replaced)
        buffered.append(flag_faults(frame, columns, rules.max_cell_chars, nul=False))
        held += frame.height
        if offset + held > rules.max_rows:
            raise row_limit_error(rules)
        while held >= chunk_rows:
            joined = pl.concat(buffered, how="diagonal")
            chunk, rest = joined.head(chunk_rows), joined.slice(chunk_rows)
            yield chunk.with_row_index(ROW_NUMBER, offset=offset + 2)
            offset += chunk.height
            buffered, held = [rest], rest.height
    if held:
        yield pl.concat(buffered, how="diagonal").with_row_index(ROW_NUMBER, offset=offset + 2)
