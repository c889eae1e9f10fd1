"""Export of published dual publicity records in the national layout (code-name headers),
incremental since the last export, for reporting upward to the province and the nation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import get_catalog
from xinyong.clock import utcnow
from xinyong.privacy.files import private_file
from xinyong.privacy.ids import get_protector, is_encrypted
from xinyong.publicity.lifecycle import DUAL_PUBLICITY
from xinyong.publicity.models import ExportCursor
from xinyong.records.models import Record
from xinyong.safety.cells import safe_csv, xlsx_cell

FORMATS = ("csv", "xlsx")


class ExportError(ValueError):
    pass


@dataclass(frozen=True)
class ExportResult:
    path: Path | None
    rows: int
    last_record_id: int


def export_value(value: object) -> str | None:
    """A stored value as text for an upward file (lists joined, ID numbers decrypted)."""
    if value is None:
        return None
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if is_encrypted(value):
        return get_protector().decrypt(str(value))
    return str(value)


def export_published(
    session: Session, actor: Actor, item_code: str, fmt: str, folder: Path, full: bool = False
) -> ExportResult:
    if item_code not in DUAL_PUBLICITY:
        raise ExportError(f"只能导出双公示信息：{'、'.join(DUAL_PUBLICITY)}")
    if fmt not in FORMATS:
        raise ExportError(f"导出格式“{fmt}”无效，可选：{'、'.join(FORMATS)}")
    item = get_catalog().item(item_code)
    cursor = session.get(ExportCursor, item_code) or ExportCursor(
        name=item_code, last_record_id=0, rows=0
    )
    start = 0 if full else cursor.last_record_id
    records = list(
        session.execute(
            select(Record)
            .where(
                Record.item == item_code,
                Record.is_current.is_(True),
                Record.publication_state == "published",
                Record.id > start,
            )
            .order_by(Record.id)
        ).scalars()
    )
    if not records:
        return ExportResult(None, 0, start)
    codes = item.field_codes
    frame = pl.DataFrame(
        {code: [export_value(r.fields.get(code)) for r in records] for code in codes},
        schema=dict.fromkeys(codes, pl.String),
    )
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    path = private_file(folder / f"{item_code}_{stamp}.{fmt}")  # this user only
    if fmt == "csv":
        path.write_bytes(safe_csv(frame).encode("utf-8-sig"))
    else:
        _xlsx(frame, path)
    last = records[-1].id
    cursor.last_record_id = max(cursor.last_record_id, last)
    cursor.rows = len(records)
    cursor.exported_at = utcnow()
    session.merge(cursor)
    record_event(
        session,
        actor,
        "publicity.export",
        "export",
        item_code,
        purpose="向上级平台报送双公示信息",
        detail={"rows": len(records), "file": path.name, "full": full},
    )
    return ExportResult(path, len(records), last)


def _xlsx(frame: pl.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append([xlsx_cell(c) for c in frame.columns])
    for row in frame.iter_rows():
        sheet.append([xlsx_cell(v) for v in row])
    workbook.save(path)
