"""Benchmark: ingest N realistic penalty rows (about 2% defective) on SQLite and PostgreSQL,
beside a raw bulk load of the same file in the same run.

    python bench/ingest.py [--rows N] [--skip-sqlite] [--skip-pg]

Raw baselines: PostgreSQL — psql \\copy into an unindexed all-text table; SQLite — executemany
of the raw rows into an all-text table. Prints rows/s, the ratio full / raw (targets for
1,000,000 rows: at most 2.0 on PostgreSQL, 2.5 on SQLite), the peak memory of the process
so far (max_rss, cumulative: the PostgreSQL line covers both runs) and the CPU seconds the
full ingest took in this process (client_cpu_s). The full ingest is timed until its commit
returns (the batch durable and visible); on SQLite the checkpoint that copies the WAL into
the database file then runs in the background: its time is shown apart (checkpoint_s), with
the ratio it would give if it were counted. Numbers only; nothing fails.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import subprocess
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")

from xinyong.audit.log import Actor
from xinyong.db.engine import make_engine, session_scope
from xinyong.db.migrate import upgrade
from xinyong.db.wal import wait_for_checkpoints
from xinyong.demo.identities import IdentityMaker
from xinyong.ingest.pipeline import ingest_file

PG_SERVER = os.environ.get(
    "XINYONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
HEADERS = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "法定代表人证件类型",
    "法定代表人证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚有效期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "备注",
]
TODAY = date(2026, 11, 22)


def generate(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    maker = IdentityMaker(rng)
    companies = [(maker.uscc("91", "440507"), f"示范市基准{n}贸易有限公司") for n in range(50_000)]
    reps = [maker.resident_id("440507") for _ in range(5_000)]
    authority = maker.uscc("11", "440500")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            code, name = companies[rng.randrange(len(companies))]
            decided = TODAY - timedelta(days=rng.randrange(1, 900))
            yuan = rng.randrange(5, 500) * 100
            row = [
                name,
                "法人及非法人组织",
                code,
                "陈一鸣",
                "身份证",
                reps[n % len(reps)],
                f"示市监罚〔{decided.year}〕{n}号",
                "未按规定明码标价",
                "经查，当事人未按规定明码标价，违反了价格法的规定。",
                "《中华人民共和国价格法》第四十二条",
                "罚款",
                f"罚款人民币{yuan}元",
                f"{yuan / 10000:g}",
                decided.isoformat(),
                (decided + timedelta(days=180)).isoformat(),
                "示范市市场监督管理局",
                authority,
                "示范市市场监督管理局",
                authority,
                "",
            ]
            defect = rng.random()
            if defect < 0.005:
                row[2] = code[:-1] + ("0" if code[-1] != "0" else "1")
            elif defect < 0.01:
                row[13] = "2026-02-30"
            elif defect < 0.015:
                row[12] = "两千"
            elif defect < 0.02:
                row[8] = ""
            writer.writerow(row)


def raw_sqlite(path: Path, folder: Path) -> float:
    db = sqlite3.connect(folder / "raw.db")
    db.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(len(HEADERS)))})")
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        placeholders = ", ".join("?" * len(HEADERS))
        db.executemany(f"INSERT INTO raw VALUES ({placeholders})", reader)
    db.commit()
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def full(url: str, path: Path) -> tuple[float, dict[str, float]]:
    upgrade(url)
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        result = ingest_file(session, "admin_penalty", path, actor=Actor("cli:bench"), today=TODAY)
    elapsed = time.perf_counter() - started
    counts: dict[str, float] = {
        k: getattr(result, k) for k in ("total", "accepted", "rejected", "new")
    }
    # CPU seconds of this process (all its threads; not PostgreSQL's server): steadier than
    # wall time when the machine's speed drifts, and cpu / full = cores kept busy.
    counts["client_cpu_s"] = round(time.process_time() - cpu)
    # SQLite: the checkpoint that copies the committed WAL into the database file runs after
    # the commit, in the background (xinyong.db.wal); shown apart, and waited for here so
    # that it does not run into the next measurement.
    counts["checkpoint_s"] = round(wait_for_checkpoints(), 1)
    engine.dispose()
    return elapsed, counts


def _admin(statement: str) -> None:
    engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def raw_pg(path: Path, database: str) -> float:
    url = PG_SERVER.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    dsn = f"{url}/{database}"
    columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
    subprocess.run(
        [
            "psql",
            dsn,
            "-qc",
            f"CREATE UNLOGGED TABLE IF NOT EXISTS raw_dummy (x int);CREATE TABLE raw ({columns})",
        ],
        check=True,
    )
    started = time.perf_counter()
    subprocess.run(
        ["psql", dsn, "-qc", f"\\copy raw FROM '{path}' WITH (FORMAT csv, HEADER)"], check=True
    )
    return time.perf_counter() - started


def max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, rows: int, full_s: float, raw_s: float, counts: dict[str, float]) -> None:
    with_checkpoint = (full_s + counts["checkpoint_s"]) / raw_s
    print(
        f"{label:<11} rows={rows:>9}  full={full_s:7.1f}s ({rows / full_s:9.0f} rows/s)  "
        f"raw={raw_s:6.1f}s ({rows / raw_s:9.0f} rows/s)  ratio={full_s / raw_s:4.2f}  "
        f"(with the checkpoint {with_checkpoint:4.2f})  max_rss={max_rss_mb():.0f}MB  {counts}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "penalties.csv"
        generate(path, args.rows)
        print(f"file: {path.stat().st_size / 1e6:.0f} MB, {args.rows} rows")
        if not args.skip_sqlite:
            raw_s = raw_sqlite(path, folder)
            full_s, counts = full(f"sqlite:///{folder}/full.db", path)
            report("sqlite", args.rows, full_s, raw_s, counts)
        if not args.skip_pg:
            database = f"xinyong_bench_{uuid.uuid4().hex[:8]}"
            _admin(f'CREATE DATABASE "{database}"')
            try:
                raw_s = raw_pg(path, database)
                url = PG_SERVER.rsplit("/", 1)[0] + f"/{database}"
                full_s, counts = full(url, path)
                report("postgresql", args.rows, full_s, raw_s, counts)
            finally:
                _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
