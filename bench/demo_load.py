"""Benchmark: how fast the demo city loads, on SQLite and (when reachable) PostgreSQL.

Run by hand or with `make bench`. Prints numbers, never fails on them.
    python bench/demo_load.py [--subjects N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import date

from sqlalchemy import create_engine, text

from xinyong.catalog.registry import get_catalog
from xinyong.db.engine import make_engine, session_scope
from xinyong.db.migrate import upgrade
from xinyong.demo.city import build_city

PG_SERVER = os.environ.get(
    "XINYONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def load(url: str, subjects: int) -> tuple[int, float]:
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with session_scope(engine) as session:
        result = build_city(session, get_catalog(), "示范市", date.today(), subjects)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return result.records, elapsed


def pg_database() -> tuple[str, str] | None:
    name = f"xinyong_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc.__class__.__name__}")
        return None
    return name, PG_SERVER.rsplit("/", 1)[0] + f"/{name}"


def drop(name: str) -> None:
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")
    with tempfile.TemporaryDirectory() as tmp:
        records, seconds = load(f"sqlite:///{tmp}/bench.db", args.subjects)
        print(
            f"sqlite      subjects={args.subjects:>8} records={records:>8} "
            f"seconds={seconds:7.1f} records/s={records / seconds:9.0f}"
        )
    target = pg_database()
    if target:
        name, url = target
        try:
            records, seconds = load(url, args.subjects)
            print(
                f"postgresql  subjects={args.subjects:>8} records={records:>8} "
                f"seconds={seconds:7.1f} records/s={records / seconds:9.0f}"
            )
        finally:
            drop(name)


if __name__ == "__main__":
    main()
