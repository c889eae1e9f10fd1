"""National, provincial and other cities' list files imported and compared with local subjects.

A list file (e.g. the national dishonest judgment debtors, a province's serious dishonesty
list, a neighbouring city's black list) is read in the catalog item's layout (field codes or
Chinese headers). Only rows naming a subject the platform already holds are loaded (through
the ingest pipeline, so every value is checked as for a department's file); each loaded row
that is new or changed becomes joint-measure tasks for the implementing departments of every
punishment measure its list triggers (``measures.feedback.initiate``). Rows about subjects
the city does not hold are counted and left out: they are not this city's to act on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import get_catalog
from xinyong.identifiers.check import check_code
from xinyong.ingest.headers import map_headers
from xinyong.ingest.pipeline import ingest_rows
from xinyong.lists.service import list_types
from xinyong.measures.feedback import initiate
from xinyong.permissions import authorize
from xinyong.privacy.ids import get_protector
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

SOURCES = {"nation": "国家平台", "province": "省级平台", "city": "外市平台"}
CHUNK = 1000


class DownwardError(ValueError):
    """A list file that cannot be imported; the message is in Chinese."""


@dataclass
class DownwardResult:
    list_type: str
    source: str
    total: int = 0
    local: int = 0
    not_local: int = 0
    loaded: int = 0
    unchanged: int = 0
    rejected: int = 0
    subjects: int = 0
    tasks: int = 0
    batch_id: int | None = None
    rejected_file: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_list_file(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV list file (UTF-8, with or without BOM), every value as text."""
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DownwardError(f"名单文件 {path.name} 无法读取：{exc}") from exc
    frame = frame.rename({c: c.lstrip("\ufeff") for c in frame.columns})
    return frame.to_dicts()


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _local(session: Session, codes: dict[int, str]) -> dict[int, int]:
    """Row index -> local subject id, for rows whose code names a subject held here."""
    usccs: dict[str, list[int]] = {}
    hashes: dict[str, list[int]] = {}
    protector = get_protector()
    for index, code in codes.items():
        checked = check_code(code)
        if not checked.valid:
            continue
        if checked.kind == "resident_id":
            hashes.setdefault(protector.lookup_hash(checked.normalized), []).append(index)
        else:
            usccs.setdefault(checked.normalized, []).append(index)
    found: dict[int, int] = {}
    for chunk in _chunks(sorted(usccs)):
        for subject_id, uscc in session.execute(
            select(Subject.id, Subject.uscc).where(Subject.uscc.in_(chunk))
        ).all():
            found |= dict.fromkeys(usccs[str(uscc)], subject_id)
    for chunk in _chunks(sorted(hashes)):
        for subject_id, digest in session.execute(
            select(Subject.id, Subject.person_hash).where(Subject.person_hash.in_(chunk))
        ).all():
            found |= dict.fromkeys(hashes[str(digest)], subject_id)
    return found


def _codes(
    item_code: str, rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Rows keyed by field code, and each row's subject code (USCC or resident ID)."""
    item = get_catalog().item(item_code)
    headers = map_headers(item, list(rows[0]) if rows else [])
    by_code = [
        {code: row.get(columns[0]) for code, columns in headers.columns.items()} for row in rows
    ]
    wanted = [c for c in (item.subject.uscc, item.subject.resident_id) if c]
    if not any(c in headers.columns for c in wanted):
        names = "、".join(f"{item.field(c).header}（{c}）" for c in wanted)
        raise DownwardError(f"名单文件缺少主体代码列：{names}")
    codes = {}
    for index, row in enumerate(by_code):
        value = next((str(row[c]).strip() for c in wanted if row.get(c)), "")
        if value:
            codes[index] = value
    return by_code, codes


def import_list(
    session: Session,
    actor: Actor,
    initiator: Department,
    list_code: str,
    rows: list[dict[str, Any]],
    *,
    source: str,
    source_name: str,
    today: date,
    rejected_dir: Path | None = None,
) -> DownwardResult:
    authorize(actor, "joint.initiate")
    kinds = list_types()
    if list_code not in kinds:
        raise DownwardError(f"名单类型“{list_code}”不存在，可选：{'、'.join(kinds)}")
    if source not in SOURCES:
        raise DownwardError(f"名单来源“{source}”无效，可选：{'、'.join(SOURCES)}")
    item_code = kinds[list_code].item
    result = DownwardResult(list_code, source, total=len(rows))
    by_code, codes = _codes(item_code, rows)
    local = _local(session, codes)
    result.local, result.not_local = len(local), len(rows) - len(local)
    if local:
        loaded = ingest_rows(
            session,
            item_code,
            [by_code[i] for i in sorted(local)],
            actor=actor,
            department=None,
            rejected_dir=rejected_dir,
            source_name=source_name,
            today=today,
        )
        result.batch_id, result.rejected_file = loaded.batch_id, loaded.rejected_file
        result.loaded = loaded.new + loaded.updated
        result.unchanged, result.rejected = loaded.unchanged, loaded.rejected
        result.notes = loaded.notes
        record_ids = list(
            session.execute(
                select(Record.id).where(
                    Record.batch_id == loaded.batch_id, Record.is_current.is_(True)
                )
            ).scalars()
        )
        tasks = initiate(session, actor, initiator, record_ids, today) if record_ids else []
        result.tasks = len(tasks)
        result.subjects = len({t.subject_id for t in tasks})
    record_event(
        session,
        actor,
        "exchange.import_list",
        "list_file",
        source_name,
        purpose=f"导入{SOURCES[source]}{kinds[list_code].name}并发起联合奖惩",
        detail=result.as_dict(),
    )
    return result
