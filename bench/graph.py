"""Benchmark: the relationship graph's control analysis and its API.

    python bench/graph.py [--orgs 100000] [--db-orgs 20000] [--requests 200] [--pg]

1. Control analysis of every organisation of a synthetic ownership network held in memory
   (``--orgs`` organisations, about as many natural persons, 1-3 holders each, one in five
   companies held partly by another company, ten-level chains and cross-holdings): the
   penetration, the control fixpoint and the actual controller of each, as
   ``xinyong.graph.control.analyse_indexed`` computes them for the API.
2. Through the database (SQLite, or PostgreSQL with ``--pg``): a CSV of the shareholders of
   ``--db-orgs`` companies is ingested (the graph's edges are built after the batch; their
   time is shown apart), then ``GET /api/v1/subjects/{code}/graph?depth=3`` and
   ``/control`` are called in process for ``--requests`` companies: p50 and p95 in ms.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")

from sqlalchemy import create_engine, text

from xinyong.graph.control import Stake, analyse_indexed, index

PG_SERVER = os.environ.get(
    "XINYONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _split(rng: random.Random, parts: int) -> list[float]:
    cuts = sorted(rng.random() for _ in range(parts - 1))
    edges = [0.0, *cuts, 1.0]
    return [edges[n + 1] - edges[n] for n in range(parts)]


def network(orgs: int, seed: int = 21) -> list[Stake]:
    rng = random.Random(seed)
    stakes: list[Stake] = []
    persons = 0
    n = 0
    while n < orgs:
        if n % 1000 == 999 and n + 10 < orgs:  # a ten-level chain
            for level in range(10):
                stakes.append(Stake(f"O{n + level - 1}", f"O{n + level}", 0.6))
                stakes.append(Stake(f"P{persons}", f"O{n + level}", 0.4))
                persons += 1
            n += 10
            continue
        holders = rng.choices((1, 2, 3), (50, 35, 15))[0]
        shares = _split(rng, holders)
        for k, share in enumerate(shares):
            if k == 0 and n > 10 and rng.random() < 0.2:
                parent = rng.randrange(max(0, n - 5000), n)
                stakes.append(Stake(f"O{parent}", f"O{n}", share))
                if rng.random() < 0.05:  # a cross-holding back into the parent
                    stakes.append(Stake(f"O{n}", f"O{parent}", 0.05))
            else:
                stakes.append(Stake(f"P{persons}", f"O{n}", share))
                persons += 1
        n += 1
    return stakes


def bench_memory(orgs: int) -> None:
    stakes = network(orgs)
    started = time.perf_counter()
    holders_of = index(stakes)
    controlled = cycles = 0
    deepest = 0
    for n in range(orgs):
        result = analyse_indexed(f"O{n}", holders_of)
        controlled += result.controller is not None
        cycles += result.cycles
        if result.controller is not None and result.controller.paths:
            deepest = max(deepest, len(result.controller.paths[0].nodes) - 1)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"in memory: {orgs} organisations, {len(stakes)} holdings: control analysis of every "
        f"organisation in {seconds:.1f} s ({seconds / orgs * 1e6:.0f} µs each); "
        f"{controlled} with an actual controller, {cycles} with cycles, deepest control chain "
        f"{deepest} levels; peak memory {peak:.0f} MB"
    )


def _shareholder_csv(path: Path, orgs: int) -> list[str]:
    from xinyong.demo.identities import IdentityMaker

    rng = random.Random(7)
    ids = IdentityMaker(rng)
    codes = [ids.uscc("91", "440500") for _ in range(orgs)]
    source = ids.uscc("11", "440500")
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "主体名称",
                "统一社会信用代码",
                "股东名称",
                "股东类型",
                "股东统一社会信用代码",
                "股东证件类型",
                "股东证件号码",
                "认缴出资额（万元）",
                "认缴出资比例（%）",
                "数据来源单位",
                "数据来源单位统一社会信用代码",
            ]
        )
        for n, code in enumerate(codes):
            shares = [round(s * 100, 2) for s in _split(rng, rng.choice((1, 2, 3)))]
            for k, share in enumerate(shares):
                common = [f"示范市基准{n}有限公司", code]
                tail = [str(share * 10), str(share), "示范市市场监督管理局", source]
                if k == 0 and n > 10 and rng.random() < 0.2:
                    parent = rng.randrange(max(0, n - 5000), n)
                    holder = [f"示范市基准{parent}有限公司", "企业法人", codes[parent], "", ""]
                else:
                    person = ids.resident_id("440507")
                    holder = [ids.person_name(), "自然人股东", "", "身份证", person]
                out.writerow([*common, *holder, *tail])
    return codes


def bench_database(orgs: int, requests: int, pg: bool) -> None:
    from fastapi.testclient import TestClient

    import xinyong.ingest.pipeline as pipeline
    from xinyong.api.app import create_app
    from xinyong.audit.log import Actor
    from xinyong.db.engine import engine_for, normalize_url, session_factory
    from xinyong.db.migrate import upgrade
    from xinyong.settings import reset_settings

    folder = Path(tempfile.mkdtemp(prefix="xinyong-graph-"))
    name = f"xinyong_graph_{uuid.uuid4().hex[:8]}"
    if pg:
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{folder / 'graph.db'}"
    os.environ["XINYONG_DATABASE_URL"] = url
    os.environ["XINYONG_DATA_DIR"] = str(folder / "data")
    reset_settings()
    upgrade(url)
    csv_path = folder / "shareholders.csv"
    codes = _shareholder_csv(csv_path, orgs)
    refresh = pipeline.refresh_graph
    spent: list[float] = []

    def timed(*args: object) -> int:
        started = time.perf_counter()
        added = refresh(*args)  # type: ignore[arg-type]
        spent.append(time.perf_counter() - started)
        return added

    pipeline.refresh_graph = timed  # type: ignore[assignment]
    session = session_factory(engine_for(normalize_url(url)))()
    started = time.perf_counter()
    result = pipeline.ingest_file(
        session, "shareholder", csv_path, actor=Actor("cli:bench"), today=date.today()
    )
    session.commit()
    total = time.perf_counter() - started
    session.close()
    print(
        f"database ({'PostgreSQL' if pg else 'SQLite'}): ingest of {result.total} shareholder "
        f"rows ({result.accepted} accepted) {total:.1f} s, of which graph edges {spent[0]:.1f} s"
    )
    client = TestClient(create_app())
    rng = random.Random(3)
    chosen = rng.sample(codes, min(requests, len(codes)))
    for label, path in (("graph depth 3", "graph?depth=3"), ("control", "control")):
        times = []
        for code in chosen:
            started = time.perf_counter()
            response = client.get(f"/api/v1/subjects/{code}/{path}")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"  {label}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
    engine_for(normalize_url(url)).dispose()
    shutil.rmtree(folder, ignore_errors=True)
    if pg:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--db-orgs", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pg", action="store_true")
    args = parser.parse_args(argv)
    if args.orgs:
        bench_memory(args.orgs)
    if args.db_orgs:
        bench_database(args.db_orgs, args.requests, args.pg)


if __name__ == "__main__":
    main(sys.argv[1:])
