"""The WAL writer: SQLite's write-ahead log is written out while a load runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from xinyong.db.wal import wal_path, wal_written_in_background


def _descriptors_of(path: Path) -> int:
    """How many of this process's file descriptors are open on ``path``."""
    found = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            found += os.readlink(f"/proc/self/fd/{name}") == str(path)
        except OSError:
            continue
    return found


def test_the_wal_is_written_out_during_the_transaction_and_let_go_after(
    session: Session,
) -> None:
    wal = wal_path(session)
    if session.get_bind().dialect.name == "postgresql":
        assert wal is None  # the server writes its own WAL
        return
    assert wal is not None and wal.name.endswith(".db-wal")
    session.execute(text("CREATE TABLE wal_probe (n INTEGER, t TEXT)"))
    with wal_written_in_background(session, interval=0.01) as writer:
        assert writer is not None and writer.running
        deadline = time.monotonic() + 30
        n = 0
        while writer.writes < 3 and time.monotonic() < deadline:
            session.execute(text("INSERT INTO wal_probe VALUES (:n, :t)"), {"n": n, "t": "x" * 500})
            session.flush()
            n += 1
            time.sleep(0.005)
        assert writer.writes >= 3
        assert _descriptors_of(wal) == 2  # SQLite's own and the writer's
    assert not writer.running
    assert _descriptors_of(wal) == 1  # the writer closed its descriptor; SQLite keeps its own
    assert session.execute(text("SELECT count(*) FROM wal_probe")).scalar_one() == n


def test_no_writer_for_a_database_without_a_wal_file() -> None:
    engine = create_engine("sqlite://")
    with Session(engine) as memory, wal_written_in_background(memory) as writer:
        assert writer is None
    engine.dispose()
