"""SQLite's write-ahead log during a bulk load: written out while the load runs, synced at
its commit, and copied into the database file (the checkpoint) after the commit, in the
background, the way PostgreSQL's WAL writer and checkpointer do for PostgreSQL."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

# How often the WAL is written out while a load runs.
WAL_WRITE_INTERVAL_S = 0.5
# Connection.info flag: automatic checkpoints are off for this connection's transaction
# (restored when it returns to the pool: xinyong.db.engine.restore_connection_settings).
CHECKPOINT_DEFERRED = "xinyong_checkpoint_deferred"
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default


class WalWriter:
    """Writes a SQLite database's WAL file out to disk (fdatasync) every ``interval`` seconds
    in a background thread, while one long transaction appends to it, and once more when
    stopped (after the commit: the batch is then on disk).

    Written out while the load is still computing, most of the WAL (about 1 GB for a million
    records) is on disk by the commit. The same bytes reach the disk either way; only the
    wait leaves the commit.

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
        """Stop after one last write (returns when it is done)."""
        self._stop.set()
        self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        descriptor: int | None = None
        try:
            stopping = False
            while not stopping:
                stopping = self._stop.wait(self.interval)
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


def bulk_load_wal(session: Session, interval: float = WAL_WRITE_INTERVAL_S) -> WalWriter | None:
    """Prepare the session's transaction for a bulk load on SQLite in WAL mode (nothing on
    PostgreSQL, whose server does all this itself); returns the WAL writer, or None.

    Until the transaction ends, a WalWriter writes the WAL out in the background. At the
    commit, no automatic checkpoint: the commit appends its last pages to the WAL, the
    writer syncs it (the batch is durable when ``commit()`` returns) and a background thread
    then copies the WAL into the database file (``checkpoint_in_background``). Readers see
    the batch from the WAL meanwhile. Left to SQLite, the checkpoint would run inside the
    commit: about 2.5 s for a million records.
    """
    wal = wal_path(session)
    if wal is None:
        return None
    connection = session.connection()
    connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
    connection.info[CHECKPOINT_DEFERRED] = True
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    writer = WalWriter(wal, interval)
    writer.start()

    def committed(_session: Session) -> None:
        if writer.running:
            writer.stop()
            checkpoint_in_background(engine)

    def ended(_session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and writer.running:  # rolled back (or closed)
            writer.stop()

    # Listeners stay with the session (removing one while SQLAlchemy calls them is not
    # allowed); once the writer has stopped they do nothing.
    event.listen(session, "after_commit", committed)
    event.listen(session, "after_transaction_end", ended)
    return writer


_checkpoints: set[threading.Thread] = set()
_checkpoints_lock = threading.Lock()


def _checkpoint(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            busy, frames, copied = connection.exec_driver_sql(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).one()
        log.debug("checkpoint: %s of %s WAL frames copied (busy=%s)", copied, frames, busy)
    except Exception:  # the next writer's automatic checkpoint copies what is left
        log.warning("background checkpoint failed", exc_info=True)
    finally:
        with _checkpoints_lock:
            _checkpoints.discard(threading.current_thread())


def checkpoint_in_background(engine: Engine) -> threading.Thread:
    """Copy the committed WAL into the database file in a thread of its own (PASSIVE: it
    waits for no reader or writer and copies what no reader still needs). Not a daemon:
    a process finishes its checkpoints before it exits."""
    thread = threading.Thread(target=_checkpoint, args=(engine,), name="sqlite-checkpoint")
    with _checkpoints_lock:
        _checkpoints.add(thread)
    thread.start()
    return thread


def wait_for_checkpoints() -> float:
    """Wait until the background checkpoints started so far are done; returns the seconds
    waited."""
    started = time.perf_counter()
    with _checkpoints_lock:
        running = list(_checkpoints)
    for thread in running:
        thread.join()
    return time.perf_counter() - started


def restore_autocheckpoint(dbapi_connection: Any, info: dict[str, Any]) -> None:
    """Automatic checkpoints back on for a pooled connection a bulk load used."""
    if info.pop(CHECKPOINT_DEFERRED, False) and dbapi_connection is not None:
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
