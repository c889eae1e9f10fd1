"""SQLite's write-ahead log in a bulk load: written out while the load runs, synced at the
commit, checkpointed after it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from xinyong.db.wal import AUTOCHECKPOINT_PAGES, bulk_load_wal, wait_for_checkpoints, wal_path


def _descriptors_of(path: Path) -> int:
    """How many of this process's file descriptors are open on ``path``."""
    found = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            found += os.readlink(f"/proc/self/fd/{name}") in (str(path), f"{path} (deleted)")
        except OSError:
            continue
    return found


def _rows_in_database_file_alone(database: Path, tmp: Path) -> int:
    """The probe rows the database file holds without its WAL (what a checkpoint copied)."""
    copy = tmp / "file-alone.db"
    shutil.copyfile(database, copy)
    alone = sqlite3.connect(copy)
    try:
        return int(alone.execute("SELECT count(*) FROM wal_probe").fetchone()[0])
    finally:
        alone.close()


def test_a_bulk_load_writes_the_wal_as_it_goes_and_checkpoints_after_the_commit(
    session: Session, tmp_path: Path
) -> None:
    wal = wal_path(session)
    if session.get_bind().dialect.name == "postgresql":
        assert wal is None  # the server writes its own WAL and checkpoints
        assert bulk_load_wal(session) is None
        return
    assert wal is not None and wal.name.endswith(".db-wal")
    database = wal.with_name(wal.name.removesuffix("-wal"))
    session.execute(text("CREATE TABLE wal_probe (n INTEGER, t TEXT)"))
    session.commit()
    writer = bulk_load_wal(session, interval=0.01)
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
    written = writer.writes
    session.commit()
    # The commit returns with the WAL synced once more and the writer gone ...
    assert not writer.running
    assert writer.writes > written
    # ... and the batch reaches the database file itself by the background checkpoint.
    wait_for_checkpoints()
    assert _rows_in_database_file_alone(database, tmp_path) == n
    # The connections go back to the pool with automatic checkpoints on again.
    engine = session.get_bind()
    session.close()
    assert isinstance(engine, Engine)
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
            assert pages == AUTOCHECKPOINT_PAGES
    # With SQLite's connections closed, no descriptor of the WAL is left: the writer's is gone.
    engine.dispose()
    assert _descriptors_of(wal) == 0


def test_a_rolled_back_bulk_load_stops_its_writer(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        pytest.skip("no WAL writer on PostgreSQL")
    session.execute(text("CREATE TABLE wal_probe (n INTEGER)"))
    session.commit()
    writer = bulk_load_wal(session, interval=0.01)
    assert writer is not None
    session.execute(text("INSERT INTO wal_probe VALUES (1)"))
    session.rollback()
    assert not writer.running
    assert session.execute(text("SELECT count(*) FROM wal_probe")).scalar_one() == 0


def test_no_writer_for_a_database_without_a_wal_file() -> None:
    engine = create_engine("sqlite://")
    with Session(engine) as memory:
        assert bulk_load_wal(memory) is None
    engine.dispose()
