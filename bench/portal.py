"""Benchmark: server time of the portal's search and subject pages on a demo city.

    python bench/portal.py [--subjects 100000] [--requests 300] [--database sqlite|postgresql]

Loads the demo city, then times search pages (2-character fragments of real names) and subject
pages in-process (no network), and prints p50/p95 per page (target: p95 <= 100 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid

from sqlalchemy import create_engine, select, text

os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")

PG_SERVER = os.environ.get(
    "XINYONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    os.chdir(folder)
    database = None
    if args.database == "sqlite":
        url = f"sqlite:///{folder}/portal.db"
    else:
        database = f"xinyong_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        url = PG_SERVER.rsplit("/", 1)[0] + f"/{database}"
    os.environ["XINYONG_DATABASE_URL"] = url
    from fastapi.testclient import TestClient

    from xinyong.api.app import create_app
    from xinyong.catalog.registry import get_catalog
    from xinyong.clock import today
    from xinyong.db.engine import session_scope
    from xinyong.db.migrate import upgrade
    from xinyong.demo.city import build_city
    from xinyong.subjects.models import Subject

    upgrade(url)
    started = time.perf_counter()
    with session_scope() as session:
        build_city(session, get_catalog(), "示范市", today(), subjects=args.subjects)
        rows = session.execute(
            select(Subject.uscc, Subject.name).where(Subject.uscc.is_not(None))
        ).all()
    print(
        f"{args.database}: demo city of {args.subjects} subjects loaded in "
        f"{time.perf_counter() - started:.0f}s"
    )
    rng = random.Random(3)
    sample = rng.sample(rows, min(args.requests, len(rows)))
    client = TestClient(create_app())
    timings: dict[str, list[float]] = {"search": [], "subject": []}
    for code, name in sample:
        for page, path in (("search", f"/search?q={name[3:5]}"), ("subject", f"/subjects/{code}")):
            t0 = time.perf_counter()
            response = client.get(path)
            timings[page].append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
    for page, values in timings.items():
        print(
            f"{page:<8} p50 {statistics.median(values):6.1f} ms  p95 "
            f"{percentile(values, 0.95):6.1f} ms  (target p95 <= 100 ms, n={len(values)})"
        )
    if database:
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
