"""Storing an uploaded file: a name that is a file name (never "..", "." or "/"), a type the
platform reads, and a size within XINYONG_INGEST_MAX_FILE_MB counted while it is copied."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import BinaryIO

from xinyong.ingest.errors import ReadError
from xinyong.ingest.readers import detect_kind
from xinyong.safety.limits import check_size
from xinyong.settings import IngestLimits

MAX_NAME = 120


def upload_name(filename: str | None, default: str) -> str:
    """The last part of ``filename`` (any folders dropped, control characters removed), or
    ``default`` when none was given; refuses a name that names no file, in Chinese."""
    raw = filename if filename is not None else default
    name = PurePosixPath(raw.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()[-MAX_NAME:]
    if name in ("", ".", ".."):
        raise ReadError(
            f"上传的文件名“{raw[:MAX_NAME]}”无效：应为带扩展名的文件名，如“行政处罚.csv”"
        )
    return name


def store_upload(
    source: BinaryIO,
    folder: Path,
    filename: str | None,
    default: str,
    rules: IngestLimits | None = None,
) -> Path:
    """Copy an upload into ``folder`` under its own (checked) name; refuses an unsupported
    type before copying and a file over the size limit as soon as it passes it."""
    name = upload_name(filename, default)
    detect_kind(Path(name))
    target = folder / name
    copied = 0
    with target.open("wb") as out:
        while block := source.read(1 << 20):
            copied += len(block)
            check_size(copied, rules)
            out.write(block)
    return target


def check_declared_length(header: str | None, rules: IngestLimits | None = None) -> None:
    """Refuse a request whose Content-Length is already over the file size limit, before its
    body is read."""
    if header is not None and header.strip().isdigit() and len(header.strip()) < 20:
        check_size(int(header), rules)


def preflight(path: Path, rules: IngestLimits | None = None) -> None:
    """What can be refused before a stored upload is queued, cheaply and without parsing it:
    its size; an XLSX file's zip directory (bombs); a CSV header's columns and repeats."""
    from xinyong.ingest.csvfile import HEADER_BYTES, unique_columns
    from xinyong.safety.limits import check_columns, check_xlsx

    check_size(path.stat().st_size, rules)
    kind = detect_kind(path)
    if kind == "xlsx":
        check_xlsx(path, rules)
    elif kind == "csv":
        with path.open("rb") as handle:
            head = handle.read(HEADER_BYTES).removeprefix(b"\xef\xbb\xbf")
        line = head.split(b"\n", 1)[0]
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = line.decode("gb18030", errors="replace")
        if '"' not in text:  # (a quoted header is left to the reader)
            headers = [h.strip() for h in text.rstrip("\r").split(",")]
            check_columns(len(headers), rules)
            unique_columns(headers)
