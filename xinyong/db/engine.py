"""Engines and sessions for whatever database XINYONG_DATABASE_URL names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from xinyong.db.wal import restore_autocheckpoint
from xinyong.privacy.keys import ensure_platform_key
from xinyong.settings import get_settings

SORT_WORKER_THREADS = 2


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Takes effect only when the file is created (before WAL mode writes its first page):
    # records are ~1 KB, so 16 KB pages waste less space than 4 KB ones and bulk loads and
    # commits write ~20% fewer bytes.
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MB page cache: bulk loads touch indexes
    # Sorts too large for memory (an index built over a bulk load) are cut into runs sorted by
    # up to two worker threads and merged. SQLite uses workers only with temporary files on
    # disk (temp_store=MEMORY turns them off): they live in the OS page cache all the same.
    cursor.execute("PRAGMA temp_store=FILE")
    cursor.execute(f"PRAGMA threads={SORT_WORKER_THREADS}")
    cursor.close()


# Connection.info flag: this SQLite connection runs with foreign_keys off for its transaction,
# and bulk inserts check references per frame (xinyong.db.bulk.defer_reference_checks).
PER_FRAME_CHECKS = "xinyong_per_frame_reference_checks"


def restore_connection_settings(dbapi_connection: Any, record: Any) -> None:
    """Pool checkin hook for SQLite engines: what a bulk load changed for its transaction
    back as it was (per-row foreign-key checks, automatic checkpoints)."""
    if record.info.pop(PER_FRAME_CHECKS, False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
    restore_autocheckpoint(dbapi_connection, record.info)


def normalize_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", restore_connection_settings)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    """The configured database's engine; the platform key is checked against the database's
    fingerprint on first use (``xinyong.privacy.keys``)."""
    settings = get_settings()
    engine = engine_for(settings.database_url)
    ensure_platform_key(engine, settings)
    return engine


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
