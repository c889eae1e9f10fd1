"""Batches off the request path: an upload (or a large push) is stored, recorded as a queued
batch and answered at once (202); a worker process (``xinyong.ingest.worker``) loads it with
its own memory and time limits while the server goes on answering; its state and counts are
read back with ``batch_status``.

The server only waits on the worker from a thread of a small pool (XINYONG_INGEST_WORKERS at a
time); when the worker ends without settling its batch (killed past its memory limit, stopped
past its time limit), the batch fails here with the reason. The batch is one transaction, so a
failed batch loads nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Lock
from typing import Any

from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.clock import utcnow
from xinyong.db.engine import engine_for, normalize_url, session_scope
from xinyong.ingest.models import Batch
from xinyong.permissions import Principal, authorize
from xinyong.privacy.files import private_dir
from xinyong.settings import get_settings

QUEUE = "ingest-queue"
PROGRESS = "progress.json"
OPEN_STATES = ("queued", "running", "loading")
_pool: ThreadPoolExecutor | None = None
_pool_lock = Lock()


def new_folder() -> Path:
    """A folder of its own for one queued upload (personal data: this user only)."""
    return private_dir(get_settings().data_dir / QUEUE / uuid.uuid4().hex)


def principal_data(principal: Principal) -> dict[str, Any]:
    return {
        "name": principal.name,
        "ip": principal.ip,
        "kind": principal.kind,
        "role": principal.role,
        "scopes": sorted(principal.scopes),
        "department_id": principal.department_id,
        "credit_office": principal.credit_office,
    }


def principal_from(data: dict[str, Any]) -> Principal:
    return Principal(
        data["name"],
        data.get("ip"),
        kind=data.get("kind", "public"),
        role=data.get("role"),
        scopes=frozenset(data.get("scopes") or ()),
        department_id=data.get("department_id"),
        credit_office=bool(data.get("credit_office")),
    )


def enqueue(
    session: Session,
    item: str,
    upload: Path,
    source_name: str,
    department: Department | None,
    principal: Principal,
    publish: bool,
) -> Batch:
    """Record a queued batch for ``upload`` (in a folder of its own); commit, then ``start``."""
    batch = Batch(
        item=item,
        department_id=department.id if department else None,
        submitted_by=principal.name,
        source_name=source_name,
        headers=[],
        status="queued",
        counts={},
        job={
            "upload": str(upload),
            "publish": publish,
            "actor": principal_data(principal),
            "rejected_dir": str(get_settings().data_dir / "rejected" / uuid.uuid4().hex),
        },
    )
    session.add(batch)
    session.flush()
    return batch


def start(batch_id: int) -> None:
    """Hand a committed queued batch to a worker process (at most XINYONG_INGEST_WORKERS run
    at once; the rest wait their turn)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = get_settings().limits.workers
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest-worker")
    settings = get_settings()
    _pool.submit(run_worker, batch_id, settings.database_url, dict(os.environ))


def run_worker(batch_id: int, database_url: str, env: dict[str, str]) -> None:
    """Run the worker for ``batch_id`` of the database at ``database_url`` and wait for it;
    settle the batch if it could not."""
    seconds = get_settings().limits.worker_seconds
    command = [sys.executable, "-m", "xinyong.ingest.worker", str(batch_id)]
    try:
        done = subprocess.run(command, env=env, capture_output=True, timeout=seconds, check=False)
        outcome = _exit_reason(done.returncode, done.stderr.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired:
        outcome = (
            f"批次处理超过时限{seconds}秒（XINYONG_INGEST_WORKER_SECONDS），已停止，未载入任何数据"
        )
    except OSError as exc:
        outcome = f"无法启动批次处理进程：{exc}"
    settle(batch_id, outcome, database_url)


# how running out of address space shows: Python's own error, or the loader failing to map a
# library imported late (ImportError: ... failed to map segment), or an ENOMEM from the system
OUT_OF_MEMORY = ("MemoryError", "failed to map segment", "Cannot allocate memory")


def _exit_reason(code: int, stderr: str) -> str | None:
    if code == 0:
        return None
    memory = get_settings().limits.worker_memory_bytes >> 20
    if code < 0 or any(sign in stderr for sign in OUT_OF_MEMORY):
        how = f"信号 {-code}" if code < 0 else "内存不足"
        return (
            f"批次处理进程异常退出（{how}），未载入任何数据："
            f"文件可能需要超过内存上限 {memory} MB（XINYONG_INGEST_WORKER_MEMORY_MB）"
        )
    last = stderr.strip().splitlines()[-1] if stderr.strip() else f"退出码 {code}"
    return f"批次处理出错，未载入任何数据：{last[:500]}"


def settle(batch_id: int, failure: str | None, database_url: str | None = None) -> None:
    """After the worker: a batch it left open fails with ``failure`` (or a general reason);
    the stored upload is removed either way."""
    engine = engine_for(normalize_url(database_url)) if database_url else None
    with session_scope(engine) as session:
        batch = session.get(Batch, batch_id, with_for_update=True)
        if batch is None:
            return
        if batch.status in OPEN_STATES:
            batch.status = "failed"
            batch.error = failure or "批次处理进程意外结束，未载入任何数据，请重新提交"
            batch.finished_at = utcnow()
        upload = Path((batch.job or {}).get("upload", ""))
    if upload.name and upload.parent.parent.name == QUEUE:
        shutil.rmtree(upload.parent, ignore_errors=True)


def write_progress(upload: Path, rows: int) -> None:
    """The rows read so far, beside the upload (the batch's own row is busy in its
    transaction; on SQLite the database cannot be written meanwhile)."""
    target = upload.parent / PROGRESS
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps({"rows": rows, "at": utcnow().isoformat()}), "utf-8")
    temporary.replace(target)


def _progress(batch: Batch) -> dict[str, Any] | None:
    upload = Path((batch.job or {}).get("upload", ""))
    path = upload.parent / PROGRESS
    if not upload.name or not path.exists():
        return None
    try:
        loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):  # being replaced
        return None
    return loaded


def batch_status(session: Session, principal: Principal, batch_id: int) -> dict[str, Any]:
    """A batch's state, and its counts once done (its department's batches only; batches of
    no department only for the credit office). Raises LookupError."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise LookupError(f"批次{batch_id}不存在")
    authorize(principal, "batch.read_rejected", batch.department_id)
    state = "done" if batch.status == "done" else batch.status
    if state == "loading" and batch.job is not None:
        state = "running"
    shown: dict[str, Any] = {
        "batch_id": batch.id,
        "item": batch.item,
        "state": state,
        "source_name": batch.source_name,
        "received_at": batch.received_at.isoformat() if batch.received_at else None,
        "started_at": batch.started_at.isoformat() if batch.started_at else None,
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
        "error": batch.error,
        "status_url": f"/api/v1/ingest/batches/{batch.id}",
    }
    if state == "done":
        counts = dict(batch.counts or {})
        if counts.get("rejected_file"):
            counts["rejected_file"] = f"/api/v1/ingest/batches/{batch.id}/rejected"
        shown |= counts
    elif state in OPEN_STATES:
        shown["progress"] = _progress(batch)
    return shown
