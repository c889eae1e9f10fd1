"""Bulk checks: a CSV or XLSX of up to 100,000 subjects is checked in the background; the
result file lists each subject's advice, hits and measures."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.ingest.readers import open_file
from xinyong.measures.checks import run_check
from xinyong.permissions import authorize
from xinyong.privacy.files import private_dir, write_private_bytes, write_private_text
from xinyong.safety.cells import safe_csv

MAX_BULK = 100_000
BATCH = 100
SUBJECT_COLUMNS = ("主体", "统一社会信用代码", "名称", "subject", "code", "name")
RESULT_COLUMNS = ("主体", "名称", "核查结论", "说明", "命中记录", "应实施措施", "核查编号")


class BulkError(ValueError):
    pass


def job_dir(root: Path, job_id: str) -> Path:
    return root / "bulk-checks" / job_id


def _status(folder: Path, **fields: Any) -> None:
    path = folder / "status.json"
    current = json.loads(path.read_text("utf-8")) if path.exists() else {}
    current.update(fields)
    write_private_text(path, json.dumps(current, ensure_ascii=False))


def read_status(root: Path, job_id: str) -> dict[str, Any] | None:
    path = job_dir(root, job_id) / "status.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def _subjects(path: Path) -> list[str]:
    opened = open_file(path)
    try:
        column = next(
            (c for c in opened.source.headers if c in SUBJECT_COLUMNS),
            opened.source.headers[0] if opened.source.headers else None,
        )
        if column is None:
            raise BulkError("文件没有表头")
        values: list[str] = []
        for chunk in opened.chunks:
            values += [v for v in chunk[column].to_list() if v and str(v).strip()]
            if len(values) > MAX_BULK:
                raise BulkError(f"批量核查每次最多{MAX_BULK}个主体")
        return values
    finally:
        opened.close()


def start(root: Path, upload: Path, department_id: int | None = None) -> str:
    """Queue a job for ``department_id`` (whose staff and keys alone may read it back)."""
    job_id = uuid.uuid4().hex
    folder = job_dir(root, job_id)
    private_dir(folder)  # inputs and results hold personal data: this user only
    target = folder / f"input{upload.suffix.lower()}"
    write_private_bytes(target, upload.read_bytes())
    _status(folder, id=job_id, state="queued", done=0, total=None, department_id=department_id)
    return job_id


def job_status(root: Path, actor: Actor, job_id: str) -> dict[str, Any] | None:
    """The job's status, once ``actor`` may read its department's jobs (None: no such job)."""
    status = read_status(root, job_id)
    if status is None:
        return None
    authorize(actor, "check.read_bulk", status.get("department_id"))
    return status


def result_file(session: Session, root: Path, actor: Actor, job_id: str) -> Path | None:
    """The job's result file (personal data: the download is audited)."""
    if job_status(root, actor, job_id) is None:
        return None
    path = job_dir(root, job_id) / "result.csv"
    if not path.exists():
        return None
    record_event(session, actor, "check.bulk_download", "bulk_check", job_id)
    return path


def run(
    root: Path, job_id: str, actor: Actor, department_id: int | None, matter: str, purpose: str
) -> None:
    """Run a queued job (called in the background)."""
    folder = job_dir(root, job_id)
    try:
        source = next(folder.glob("input.*"))
        subjects = _subjects(source)
        _status(folder, state="running", total=len(subjects))
        rows: list[dict[str, Any]] = []
        for start_at in range(0, len(subjects), BATCH):
            with session_scope() as session:
                answer = run_check(
                    session,
                    actor,
                    department_id,
                    subjects[start_at : start_at + BATCH],
                    matter,
                    purpose,
                    today(),
                )
            for result in answer["results"]:
                rows.append(
                    {
                        "主体": result["subject"],
                        "名称": (result["resolved"] or {}).get("name"),
                        "核查结论": result["advice"],
                        "说明": result["explanation"],
                        "命中记录": "；".join(
                            f"{h['list_name']}({h['document'] or h['record_id']})"
                            for h in result["hits"]
                        ),
                        "应实施措施": "；".join(m["name"] for m in result["measures"]),
                        "核查编号": answer["check_id"],
                    }
                )
            _status(folder, done=len(rows))
        result_path = folder / "result.csv"
        table = pl.DataFrame(rows, schema=dict.fromkeys(RESULT_COLUMNS, pl.String))
        write_private_bytes(result_path, safe_csv(table).encode("utf-8-sig"))
        _status(folder, state="done", result="result.csv")
    except Exception as exc:  # reported to the caller through the status file
        _status(folder, state="failed", error=str(exc))
