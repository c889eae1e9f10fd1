"""A background writer for a SQLite database's write-ahead log during a bulk load."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

# How often the WAL is written out while a load runs.
WAL_WRITE_INTERVAL_S = 0.5


class WalWriter:
    """Writes a SQLite database's WAL file out to disk (fdatasync) every ``interval`` seconds
    in a background thread, while one long transaction appends to it.

    With ``synchronous=NORMAL`` a commit does not sync the WAL; the checkpoint right after a
    large commit does, and waits until every page of it is on disk: about 1 GB for a million
    records. Written out while the load is still computing, most of it is there by the
    commit. The same bytes reach the disk either way; only the wait leaves the commit (what
    PostgreSQL's own WAL writer does for PostgreSQL).

    Opening and closing the -wal file here is safe: SQLite takes its POSIX locks on the
    database and -shm files, never on the -wal file, and closing another descriptor of a
    file only drops locks on that file.
    """

    def __init__(self, wal: Path, interval: float = WAL_WRITE_INTERVAL_S) -> None:
        self.wal = wal
        self.interval = interval
        self.writes = 0  # completed fdatasync calls
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-wal-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        descriptor: int | None = None
        try:
            while not self._stop.wait(self.interval):
                if descriptor is None:
                    descriptor = self._open()
                if descriptor is not None:
                    os.fdatasync(descriptor)
                    self.writes += 1
        finally:
            if descriptor is not None:
                os.close(descriptor)

    def _open(self) -> int | None:
        """The WAL file, read-only (fdatasync needs no write access); None until SQLite
        creates it with the transaction's first write."""
        try:
            return os.open(self.wal, os.O_RDONLY)
        except FileNotFoundError:
            return None


def wal_path(session: Session) -> Path | None:
    """The -wal file of the session's SQLite database in WAL mode; None for PostgreSQL and
    for SQLite databases without one (in memory, or another journal mode)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    files = {name: file for _, name, file in connection.exec_driver_sql("PRAGMA database_list")}
    main = files.get("main")
    if str(mode).lower() != "wal" or not main:
        return None
    return Path(f"{main}-wal")


@contextmanager
def wal_written_in_background(
    session: Session, interval: float = WAL_WRITE_INTERVAL_S
) -> Iterator[WalWriter | None]:
    """Run a WalWriter for the session's database while the block runs (nothing on
    PostgreSQL, whose server has its own); yields the writer or None."""
    wal = wal_path(session)
    if wal is None:
        yield None
        return
    writer = WalWriter(wal, interval)
    writer.start()
    try:
        yield writer
    finally:
        writer.stop()
