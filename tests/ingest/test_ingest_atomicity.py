from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from penalty_files import good_row, write_csv
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.ingest.models import Batch
from xinyong.ingest.pipeline import ingest_file
from xinyong.records.models import Record

KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from xinyong.audit.log import Actor
    from xinyong.db.engine import session_scope
    from xinyong.ingest.pipeline import ingest_file

    loaded = []

    def die(rows):
        loaded.append(rows)
        if len(loaded) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)  # killed after that many chunks were written

    with session_scope() as session:
        ingest_file(session, "admin_penalty", Path(sys.argv[1]), actor=Actor("cli:test"),
                    progress=die, chunk_rows=5)
    """
)


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _index_definitions(session: Session) -> dict[str, str]:
    """The records table's indexes and their definitions."""
    if session.get_bind().dialect.name == "sqlite":
        sql = "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'records'"
    else:
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records'"
    return {name: definition for name, definition in session.execute(text(sql)).all()}


# Killed after the first chunk, and after the second (on SQLite the records table's secondary
# indexes are dropped by then, to be built again at the end of the batch).
@pytest.mark.parametrize("chunks_before_kill", [1, 2])
def test_a_batch_killed_midway_leaves_nothing_and_a_rerun_completes(
    session: Session, db_url: str, tmp_path: Path, chunks_before_kill: int
) -> None:
    path = write_csv(tmp_path / "p.csv", [good_row(n) for n in range(30)])
    env = dict(os.environ, XINYONG_DATABASE_URL=db_url)
    indexes = _index_definitions(session)
    session.rollback()
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(path), str(chunks_before_kill)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _count(session, Record) == 0
    assert _count(session, Batch) == 0
    assert _index_definitions(session) == indexes
    rerun = subprocess.run(
        [sys.executable, "-m", "xinyong.cli.main", "ingest", "admin_penalty", str(path), "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert _count(session, Record) == 30
    assert _count(session, Batch) == 1
    assert _index_definitions(session) == indexes


def test_a_large_sqlite_batch_builds_again_the_indexes_it_dropped(
    session: Session, tmp_path: Path
) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps its indexes during a load (DROP INDEX would lock readers)")
    path = write_csv(tmp_path / "p.csv", [good_row(n) for n in range(30)])
    indexes = _index_definitions(session)
    secondary = {name for name, sql in indexes.items() if sql is not None and " WHERE " not in sql}
    assert secondary  # the records table has secondary indexes to drop
    partial = {name for name, sql in indexes.items() if sql is not None and " WHERE " in sql}
    assert partial == {"ix_records_checkable"}  # kept: a few rows, kept up to date cheaply
    cache = session.execute(text("PRAGMA cache_size")).scalar_one()
    during: list[set[str]] = []

    def look(_rows: int) -> None:
        during.append(set(_index_definitions(session)))

    ingest_file(
        session, "admin_penalty", path, actor=Actor("cli:test"), progress=look, chunk_rows=5
    )
    # The first chunk loads with the indexes; from the second on they are gone ...
    assert during[0] == set(indexes)
    assert all(names == set(indexes) - secondary for names in during[1:])
    # ... and they are back, as they were, before the batch commits.
    assert _index_definitions(session) == indexes
    # The smaller page cache the rebuild sorts with is given back to the connection.
    assert session.execute(text("PRAGMA cache_size")).scalar_one() == cache
    session.commit()
    assert _count(session, Record) == 30
