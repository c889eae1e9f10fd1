"""Build an upward package: number it, write its sections in the target's layout into a ZIP
with a manifest, hash it, keep the file and one row per line for the receipt to answer."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import cast

import polars as pl
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import get_catalog
from xinyong.clock import utcnow
from xinyong.db.rows import insert_rows
from xinyong.exchange.models import ExchangePackage, ExchangeRow
from xinyong.exchange.outbox import PUBLICITY_KINDS, Pending, pending
from xinyong.exchange.targets import KIND_LABELS, OPERATIONS, Target, target
from xinyong.permissions import authorize
from xinyong.privacy.files import write_private_bytes
from xinyong.publicity.export import export_value
from xinyong.safety.cells import safe_csv

# Exchange columns of every data row, before the item's fields: code -> Chinese header.
LEAD = {"ROW_NO": "行号", "OPERATION": "操作类型", "RECORD_KEY": "记录标识"}
EXTRA = {
    "decision_number": ("DECISION_NUMBER", "认定文书号"),
    "decided_on": ("DECIDED_ON", "认定日期"),
    "report_due": ("REPORT_DUE", "报送期限"),
    "removed_on": ("REMOVED_ON", "移出日期"),
    "removed_reason": ("REMOVED_REASON", "移出原因"),
    "withdrawn_on": ("WITHDRAWN_ON", "撤销日期"),
    "tracking_code": ("TRACKING_CODE", "修复申请编号"),
    "repaired_on": ("REPAIRED_ON", "修复决定日期"),
    "repair_reason": ("REPAIR_REASON", "修复理由"),
}
MANIFEST = "manifest.json"
_ROWS = cast(Table, ExchangeRow.__table__)


class PackageError(ValueError):
    """A package that cannot be built; the message is in Chinese."""


def package_folder(data_dir: Path, code: str) -> Path:
    """Where the platform keeps the packages it built for ``code`` (this user only)."""
    return data_dir / "exchange" / code / "packages"


def next_number(session: Session, code: str, today: date) -> str:
    prefix = f"{code.upper()}-{today:%Y%m%d}-"
    made = session.execute(
        select(func.count()).where(ExchangePackage.number.like(f"{prefix}%"))
    ).scalar_one()
    return f"{prefix}{made + 1:04d}"


def _section(found: list[tuple[int, Pending]], layout: Target) -> bytes:
    item = get_catalog().item(found[0][1].item) if found[0][1].item else None
    extras = sorted({k for _, p in found for k in p.extra}, key=list(EXTRA).index)
    codes = item.field_codes if item else []
    columns: dict[str, list[str | None]] = {
        "ROW_NO": [str(line) for line, _ in found],
        "OPERATION": [OPERATIONS[p.kind] for _, p in found],
        "RECORD_KEY": [p.record.record_key if p.record else None for _, p in found],
    }
    values = [p.record.fields if p.record else {} for _, p in found]
    for code in codes:
        columns[code] = [export_value(v.get(code)) for v in values]
    for key in extras:
        columns[EXTRA[key][0]] = [p.extra.get(key) for _, p in found]
    if layout.headers == "name":
        names = {**LEAD, **{EXTRA[k][0]: EXTRA[k][1] for k in extras}}
        if item:
            names |= {f.code: f.header for f in item.fields}
        columns = {names[c]: v for c, v in columns.items()}
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    return safe_csv(frame).encode(layout.encoding)


def _zip(number: str, layout: Target, sections: dict[str, bytes], counts: dict[str, int]) -> bytes:
    manifest = {
        "package": number,
        "target": layout.code,
        "target_name": layout.name,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "headers": layout.headers,
        "encoding": layout.encoding,
        "sections": [
            {
                "file": name,
                "rows": counts[name],
                "sha256": hashlib.sha256(body).hexdigest(),
            }
            for name, body in sections.items()
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, body in sections.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _supersede(session: Session, code: str, found: list[Pending]) -> None:
    """Rejected rows a new row reports again leave the department's queue."""
    waiting = list(
        session.execute(
            select(ExchangeRow).where(
                ExchangeRow.target == code,
                ExchangeRow.state.in_(("rejected", "resubmitted")),
            )
        ).scalars()
    )
    if not waiting:
        return
    again = {
        _identity(p.kind, p.source_id, p.record.record_key if p.record else None) for p in found
    }
    for row in waiting:
        if _identity(row.kind, row.source_id, row.record_key) in again:
            row.state = "superseded"


def _identity(kind: str, source_id: int | None, record_key: str | None) -> tuple[str, object]:
    """What a row reports: a dual publicity record by key (new and changed alike), anything
    else by its source (recognition, repair) or record key."""
    group = "publicity" if kind in PUBLICITY_KINDS else kind
    return group, source_id if source_id is not None else record_key


def build_package(
    session: Session, actor: Actor, code: str, today: date, data_dir: Path
) -> ExchangePackage | None:
    """The next package for ``code`` with everything pending (None: nothing is pending)."""
    authorize(actor, "exchange.manage")
    layout = target(code)
    found = pending(session, code)
    if not found:
        return None
    number = next_number(session, code, today)
    groups: dict[str, list[tuple[int, Pending]]] = defaultdict(list)
    for line, p in enumerate(found, start=1):
        groups[f"{p.kind}.{p.item or 'none'}.csv"].append((line, p))
    sections = {name: _section(rows, layout) for name, rows in groups.items()}
    counts = {name: len(rows) for name, rows in groups.items()}
    body = _zip(number, layout, sections, counts)
    path = write_private_bytes(package_folder(data_dir, code) / f"{number}.zip", body)
    digest = hashlib.sha256(body).hexdigest()
    summary: dict[str, int] = defaultdict(int)
    for p in found:
        summary[p.kind] += 1
    _supersede(session, code, found)
    package = ExchangePackage(
        target=code,
        number=number,
        file_name=path.name,
        sha256=digest,
        rows=len(found),
        sections=dict(summary),
        state="built",
        attempts=0,
    )
    session.add(package)
    session.flush()
    insert_rows(
        session,
        _ROWS,
        [
            {
                "package_id": package.id,
                "target": code,
                "line": line,
                "kind": p.kind,
                "item": p.item,
                "record_id": p.record.id if p.record else None,
                "record_key": p.record.record_key if p.record else None,
                "source_id": p.source_id,
                "department_id": p.department_id,
                "due": p.due,
                "state": "sent",
                "reason": None,
                "answered_at": None,
            }
            for line, p in enumerate(found, start=1)
        ],
    )
    session.flush()
    record_event(
        session,
        actor,
        "exchange.build",
        "exchange_package",
        number,
        purpose=f"向{layout.name}报送信用信息",
        detail={"rows": len(found), "sha256": digest, "sections": dict(summary)},
    )
    return package


def package_path(data_dir: Path, package: ExchangePackage) -> Path:
    return package_folder(data_dir, package.target) / package.file_name


def verify_package(data_dir: Path, package: ExchangePackage) -> None:
    """The kept file is the one built: its SHA-256 still matches."""
    path = package_path(data_dir, package)
    if not path.exists():
        raise PackageError(f"交换包 {package.number} 的文件 {path} 不存在")
    if hashlib.sha256(path.read_bytes()).hexdigest() != package.sha256:
        raise PackageError(f"交换包 {package.number} 的文件已被改动（SHA-256 不符），不得发送")


def describe_sections(package: ExchangePackage) -> str:
    return "、".join(f"{KIND_LABELS[k]}{n}条" for k, n in sorted(package.sections.items()))
