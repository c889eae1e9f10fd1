"""The process that loads one queued batch: ``python -m xinyong.ingest.worker BATCH_ID``.

It limits its own address space first (XINYONG_INGEST_WORKER_MEMORY_MB, RLIMIT_AS), so no file
can take the machine's memory, and lowers its CPU priority, so the server's requests come
first; takes the batch if it is still queued; loads it in one
transaction with the submitter's rights; and records the outcome: done with its counts, or
failed with the reason in Chinese (nothing loaded). The server waits for it
(``xinyong.ingest.queue``) and settles a batch this process could not.
"""

from __future__ import annotations

import os
import resource
import sys
import time
import traceback
from pathlib import Path

from xinyong.settings import get_settings


def limit_memory(limit: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


NICENESS = 10  # the server's requests come first when the CPU is short


def main(batch_id: int) -> int:
    limit_memory(get_settings().limits.worker_memory_bytes)
    os.nice(NICENESS)
    from xinyong.accounts.models import Department
    from xinyong.clock import utcnow
    from xinyong.db.engine import session_factory, session_scope
    from xinyong.ingest.models import Batch
    from xinyong.ingest.pipeline import ingest_file
    from xinyong.ingest.queue import principal_from, settle, write_progress

    with session_scope() as session:
        batch = session.get(Batch, batch_id, with_for_update=True)
        if batch is None or batch.status != "queued" or batch.job is None:
            return 0  # gone, or taken by another worker
        batch.status = "running"
        batch.started_at = utcnow()
        item, job, department_id = batch.item, dict(batch.job), batch.department_id
    upload = Path(job["upload"])
    rows = 0
    shown = time.monotonic()

    def progress(done: int) -> None:
        nonlocal rows, shown
        rows += done
        if time.monotonic() - shown >= 1:
            write_progress(upload, rows)
            shown = time.monotonic()

    session = session_factory()()
    try:
        department = session.get(Department, department_id) if department_id else None
        ingest_file(
            session,
            item,
            upload,
            actor=principal_from(job["actor"]),
            department=department,
            publish=bool(job.get("publish")),
            rejected_dir=Path(job["rejected_dir"]),
            progress=progress,
            batch_id=batch_id,
        )
        session.commit()
        failure = None
    except Exception as exc:
        session.rollback()
        if not _out_of_memory(exc):
            traceback.print_exc()
            failure = str(exc) if _is_reason(exc) else f"批次处理出错：{type(exc).__name__}：{exc}"
        else:
            failure = (
                f"文件需要的内存超过上限 {get_settings().limits.worker_memory_bytes >> 20} MB"
                "（XINYONG_INGEST_WORKER_MEMORY_MB），未载入任何数据：请拆分为多个文件后提交"
            )
    finally:
        session.close()
    settle(batch_id, failure[:2000] if failure else None)
    return 0


def _out_of_memory(exc: BaseException) -> bool:
    """Past the address-space limit: MemoryError, or a library that could not be mapped."""
    if isinstance(exc, MemoryError):
        return True
    from xinyong.ingest.queue import OUT_OF_MEMORY

    return isinstance(exc, OSError | ImportError) and any(s in str(exc) for s in OUT_OF_MEMORY)


def _is_reason(exc: Exception) -> bool:
    """An error whose message is already the Chinese reason for the department."""
    from xinyong.catalog.registry import CatalogError
    from xinyong.ingest.errors import ReadError
    from xinyong.ingest.pipeline import IngestError
    from xinyong.permissions import PermissionDenied

    return isinstance(exc, ReadError | IngestError | PermissionDenied | CatalogError)


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
