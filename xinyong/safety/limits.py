"""Limits on a submitted file, checked before it is parsed, so that no file can use more
memory or time than its limits allow: its size; for XLSX its uncompressed size and the
compression ratio of each part, read from the zip's central directory (which zipfile reads
without decompressing anything, and whose declared sizes zipfile enforces when reading);
its columns. Rows and cell lengths are counted while the file is read (``xinyong.ingest``).
The limits are settings (``XINYONG_INGEST_*``, ``xinyong.settings.IngestLimits``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from xinyong.ingest.errors import LimitError, ReadError
from xinyong.settings import IngestLimits, get_settings

RATIO_FLOOR = 1 << 20
"""Parts smaller than this uncompressed (styles, workbook.xml) may compress as they like."""
MAX_ZIP_ENTRIES = 10_000


def limits() -> IngestLimits:
    return get_settings().limits


def megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MB"


def check_size(size: int, rules: IngestLimits | None = None) -> None:
    """Refuse a file of ``size`` bytes over XINYONG_INGEST_MAX_FILE_MB."""
    rules = rules or limits()
    if size > rules.max_file_bytes:
        raise LimitError(
            f"文件大小 {megabytes(size)} 超过上限 {megabytes(rules.max_file_bytes)}"
            "（XINYONG_INGEST_MAX_FILE_MB）：请拆分为多个文件后提交"
        )


def check_columns(count: int, rules: IngestLimits | None = None) -> None:
    rules = rules or limits()
    if count > rules.max_columns:
        raise LimitError(
            f"表头有{count}列，超过列数上限{rules.max_columns}列（XINYONG_INGEST_MAX_COLUMNS）："
            "请只保留目录项的字段"
        )


def row_limit_error(rules: IngestLimits) -> LimitError:
    return LimitError(
        f"文件超过行数上限{rules.max_rows:,}行（XINYONG_INGEST_MAX_ROWS），未载入任何数据："
        "请拆分为多个文件后提交"
    )


def check_xlsx(path: Path, rules: IngestLimits | None = None) -> None:
    """Refuse an XLSX file whose parts would decompress beyond the limits, from the zip's
    central directory alone (nothing is decompressed here)."""
    rules = rules or limits()
    check_size(path.stat().st_size, rules)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ReadError(f"Excel 文件无法打开：不是有效的 XLSX 文件（{exc}）") from exc
    if len(entries) > MAX_ZIP_ENTRIES:
        raise LimitError(
            f"Excel 文件含{len(entries):,}个部件，超过上限{MAX_ZIP_ENTRIES:,}个：文件未载入"
        )
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR and ratio > rules.max_zip_ratio:
            raise LimitError(
                f"Excel 文件的部件“{entry.filename}”压缩比为{ratio:,.0f}:1（压缩后 "
                f"{megabytes(entry.compress_size)}，解压后 {megabytes(entry.file_size)}），超过上限"
                f"{rules.max_zip_ratio}:1（XINYONG_INGEST_MAX_ZIP_RATIO）：疑似压缩炸弹，文件未载入"
            )
    if total > rules.max_unzipped_bytes:
        raise LimitError(
            f"Excel 文件解压后共 {megabytes(total)}，超过上限 {megabytes(rules.max_unzipped_bytes)}"
            "（XINYONG_INGEST_MAX_UNZIPPED_MB）：文件未载入，请拆分为多个文件后提交"
        )
