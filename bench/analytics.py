"""Benchmark: the full evaluation on the embedded engine and on Spark in local mode, same run.

    python bench/analytics.py [--subjects 1000000] [--records 10000000] [--db sqlite|postgresql]
                              [--master local[*]] [--buckets 16]

Loads the city of ``bench/evaluation.py`` (N organisations, M records of the items the shipped
models read) into a fresh database, then grades everyone on both engines (evaluate with the
stored grades compared, no storing: the same work on both sides) and prints both times, the
ratio and whether the grades, digests and explanations are identical. Spark's time includes
its session start and the Parquet snapshot.

Target (issue 26): the embedded run within the evaluation issue's 60 s at 1,000,000 / 10,000,000.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")

from evaluation import AS_OF, PG_SERVER, load

from xinyong.db.engine import make_engine, session_scope
from xinyong.evaluation.distributed import evaluate_on_spark
from xinyong.evaluation.service import models_in_force
from xinyong.evaluation.store import evaluate
from xinyong.settings import reset_settings


def compare(url: str) -> None:
    engine = make_engine(url)
    models = models_in_force(AS_OF)
    with session_scope(engine) as session:
        started = time.perf_counter()
        embedded = evaluate(session, models, AS_OF, compare=True)
        inner = time.perf_counter() - started
        started = time.perf_counter()
        spark = evaluate_on_spark(session, models, AS_OF, compare=True)
        outer = time.perf_counter() - started
    engine.dispose()
    order = ("model", "subject_id")
    same = spark.sort(order).select(embedded.columns).equals(embedded.sort(order))
    print(f"embedded engine: {inner:.1f} s ({embedded.height:,} grades)")
    print(f"spark ({os.environ['XINYONG_SPARK_MASTER']}): {outer:.1f} s ({spark.height:,} grades)")
    print(f"spark / embedded: {outer / inner:.2f}; identical grades and explanations: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--buckets", type=int, default=16)
    args = parser.parse_args()
    os.environ["XINYONG_SPARK_MASTER"] = args.master
    os.environ["XINYONG_SPARK_BUCKETS"] = str(args.buckets)
    folder = Path(tempfile.mkdtemp(prefix="xinyong-bench-analytics-"))
    os.environ.setdefault("XINYONG_DATA_DIR", str(folder))
    reset_settings()
    if args.db == "postgresql":
        name = f"xinyong_bench_analytics_{os.getpid()}"
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{folder / 'bench.db'}"
    try:
        load(url, args.subjects, args.records)
        compare(url)
    finally:
        if args.db == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
