"""Two batches at once both complete with the right counts (PostgreSQL let the second fail
with a raw unique violation on subjects and lose its batch): two files of the same item
naming the same enterprises, and a batch of another item naming them too, each from its own
connection and thread, started together."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from penalty_files import AUTHORITY, COMPANIES, HEADERS, good_row, write_csv
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.db.engine import get_engine, session_factory
from xinyong.ingest.models import Batch
from xinyong.ingest.pipeline import IngestResult, ingest_file
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

ROWS = 3000


def _licences(path: Path) -> Path:
    rows = [
        {
            "XK_XDR_MC": name,
            "XK_XDR_LB": "法人及非法人组织",
            "XK_XDR_SHXYM": code,
            "XK_FRDB": "陈一鸣",
            "XK_XKWS": "食品经营许可决定书",
            "XK_WSH": f"示市监许〔2026〕{n}号",
            "XK_XKLB": "普通",
            "XK_NR": "食品经营",
            "XK_JDRQ": "2026-04-01",
            "XK_YXQZ": "2026-04-01",
            "XK_YXQZI": "2029-03-31",
            "XK_XKJG": "示范市市场监督管理局",
            "XK_XKJGDM": AUTHORITY,
            "XK_ZT": "有效",
            "XK_LYDW": "示范市市场监督管理局",
            "XK_LYDWDM": AUTHORITY,
        }
        for n, (code, name) in enumerate(COMPANIES)
    ]
    pl.DataFrame(rows).write_csv(path)
    return path


def _together(jobs: list[tuple[str, Path]]) -> list[IngestResult | BaseException]:
    start = threading.Barrier(len(jobs))
    results: list[IngestResult | BaseException] = [RuntimeError("not run")] * len(jobs)

    def run(index: int, item: str, path: Path) -> None:
        own = session_factory(get_engine())()
        try:
            start.wait()
            results[index] = ingest_file(
                own, item, path, actor=Actor("cli:test"), today=date(2026, 11, 22)
            )
            own.commit()
        except BaseException as exc:
            results[index] = exc
        finally:
            own.close()

    threads = [
        threading.Thread(target=run, args=(i, item, path)) for i, (item, path) in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _count(session: Session, model: Any, *where: Any) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_concurrent_batches_both_complete(session: Session, tmp_path: Path) -> None:
    first = [good_row(n, company=n) for n in range(ROWS)]  # 示市监罚〔2026〕1-3000号
    second = [good_row(n + 1000, company=n) for n in range(ROWS)]  # 1001-4000号
    jobs = [
        ("admin_penalty", write_csv(tmp_path / "a.csv", first, headers=HEADERS)),
        ("admin_penalty", write_csv(tmp_path / "b.csv", second, headers=HEADERS)),
        ("admin_license", _licences(tmp_path / "licences.csv")),
    ]
    results = _together(jobs)
    failed = [r for r in results if not isinstance(r, IngestResult)]
    assert not failed, failed
    penalties = [r for r in results[:2] if isinstance(r, IngestResult)]
    assert [r.accepted for r in penalties] == [ROWS, ROWS]
    # whichever ran second found the 2,000 rows both files share already loaded
    assert sorted((r.new, r.unchanged) for r in penalties) == [(1000, 2000), (ROWS, 0)]
    licences = results[2]
    assert isinstance(licences, IngestResult) and licences.new == len(COMPANIES)
    assert _count(session, Record, Record.item == "admin_penalty", Record.is_current) == 4000
    assert _count(session, Subject) == len(COMPANIES)
    assert _count(session, Batch, Batch.status == "done") == 3
