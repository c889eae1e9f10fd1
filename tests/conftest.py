"""Test fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

PostgreSQL runs when XINYONG_TEST_PG_URL is set or 127.0.0.1:5432 answers; with
XINYONG_TEST_REQUIRE_PG=1 (CI) its absence is an error, not a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

os.environ.setdefault("XINYONG_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.pop("XINYONG_DATABASE_URL", None)

from xinyong.db.engine import engine_for, normalize_url, session_factory
from xinyong.db.migrate import upgrade
from xinyong.settings import reset_settings

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _pg_server_url() -> str | None:
    url = os.environ.get("XINYONG_TEST_PG_URL")
    if url:
        return normalize_url(url)
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return DEFAULT_PG
    except OSError:
        return None


PG_SERVER = _pg_server_url()
BACKENDS = ["sqlite", "postgresql"]


def _admin_execute(statement: str) -> None:
    assert PG_SERVER is not None
    engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def _pg_url(name: str) -> str:
    assert PG_SERVER is not None
    return make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    engine_for(normalize_url(f"sqlite:///{path}")).dispose()
    engine_for.cache_clear()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if PG_SERVER is None:
        if os.environ.get("XINYONG_TEST_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL 不可用，但 XINYONG_TEST_REQUIRE_PG=1 要求在 PostgreSQL 上测试")
        pytest.skip("PostgreSQL not reachable (set XINYONG_TEST_PG_URL)")
    name = f"xinyong_tpl_{os.getpid()}"
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}"')
    _admin_execute(f'CREATE DATABASE "{name}"')
    upgrade(_pg_url(name))
    engine_for(_pg_url(name)).dispose()
    engine_for.cache_clear()
    yield name
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_template: Path,
) -> Iterator[str]:
    """URL of a fresh, migrated database; XINYONG_DATABASE_URL points at it."""
    if request.param == "sqlite":
        path = tmp_path / "xinyong.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
        cleanup = None
    else:
        template = request.getfixturevalue("pg_template")
        name = f"xinyong_t_{uuid.uuid4().hex[:12]}"
        _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = _pg_url(name)
        cleanup = name
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    reset_settings()
    yield url
    engine_for(normalize_url(url)).dispose()
    engine_for.cache_clear()
    reset_settings()
    if cleanup:
        _admin_execute(f'DROP DATABASE IF EXISTS "{cleanup}" WITH (FORCE)')


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    db = session_factory(engine_for(normalize_url(db_url)))()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


@pytest.fixture
def demo_city(session: Session) -> Session:
    """A small demo city loaded into the test database."""
    from datetime import date

    from xinyong.catalog.registry import get_catalog
    from xinyong.demo.city import build_city

    build_city(session, get_catalog(), "示范市", date(2026, 11, 22), subjects=300, seed=7)
    session.commit()
    return session


@pytest.fixture
def client(db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from xinyong.api.app import create_app

    monkeypatch.setenv("XINYONG_TODAY", "2026-11-22")
    reset_settings()
    with TestClient(create_app()) as test_client:
        yield test_client
