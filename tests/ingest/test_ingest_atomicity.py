from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from penalty_files import good_row, write_csv
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.ingest.models import Batch
from xinyong.records.models import Record

KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from xinyong.audit.log import Actor
    from xinyong.db.engine import session_scope
    from xinyong.ingest.pipeline import ingest_file

    def die(_rows):
        os.kill(os.getpid(), signal.SIGKILL)  # killed after the first chunk was written

    with session_scope() as session:
        ingest_file(session, "admin_penalty", Path(sys.argv[1]), actor=Actor("cli:test"),
                    progress=die, chunk_rows=5)
    """
)


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_batch_killed_midway_leaves_nothing_and_a_rerun_completes(
    session: Session, db_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "p.csv", [good_row(n) for n in range(30)])
    env = dict(os.environ, XINYONG_DATABASE_URL=db_url)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _count(session, Record) == 0
    assert _count(session, Batch) == 0
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
