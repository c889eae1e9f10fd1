"""Benchmark: the nightly warning and trend run, and one month of city credit monitoring.

    python bench/warnings_monitoring.py [--subjects 1000000] [--records 10000000]
                                        [--db sqlite|postgresql] [--recent 0.01]
                                        [--month 2024-06]

Generates N organisations and M records in a fresh database with ``bench/evaluation.py``'s
generator (penalties by severity, licences, lists, arrears, inspections ...), dates each
record's arrival at its decision day except a ``--recent`` share that arrived today (the
day's new records), then times:

* the subjects' industry and district (``classify_subjects``, every subject read);
* the nightly warning run (``run_warnings``: the day's new records against the event and
  relation rules, licences expiring within 30 days, minimum publicity periods ended in the
  last days, annual reports, grade falls, penalty surges by industry and district), with its
  commit;
* ``compute_month`` for one month (every indicator, the counted rows stored), with its commit.

Targets (issue 23): the nightly run for 1,000,000 subjects within 5 minutes; monitoring for
one month of a 10,000,000-record city within 60 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")
sys.path.insert(0, str(Path(__file__).parent))

from evaluation import PG_SERVER, load

from xinyong.audit.log import Actor
from xinyong.db.engine import make_engine, session_scope
from xinyong.monitoring.compute import compute_month
from xinyong.subjects.classify import classify_subjects
from xinyong.warning.detect import run_warnings

TODAY = date(2026, 11, 22)
OPERATOR = Actor("cli:bench")


def age_records(url: str, recent: float) -> None:
    """Records arrived on their decision day, but for the ``recent`` share (today's)."""
    engine = make_engine(url)
    every = max(1, round(1 / recent)) if recent > 0 else 0
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("UPDATE records SET recorded_at = decision_date"))
        if every:
            conn.execute(
                text("UPDATE records SET recorded_at = :now WHERE id % :every = 0"),
                {"now": TODAY.isoformat() + " 08:00:00", "every": every},
            )
        # Industries for the trend rules: by the subject's id, over four sections.
        conn.execute(
            text(
                "UPDATE subjects SET industry = CASE id % 4 WHEN 0 THEN 'F5212' "
                "WHEN 1 THEN 'C1713' WHEN 2 THEN 'E4701' ELSE 'M7320' END"
            )
        )
    engine.dispose()
    print(f"dated the records' arrival in {time.perf_counter() - started:.0f} s")


def timed(label: str, work: object) -> float:
    started = time.perf_counter()
    result = work() if callable(work) else None
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s  {result if result is not None else ''}")
    return seconds


def nightly(url: str) -> None:
    engine = make_engine(url)

    def classify() -> str:
        with session_scope(engine) as session:
            report = classify_subjects(session)
        return f"({report.subjects:,} subjects, {report.changed:,} changed)"

    def warn() -> str:
        with session_scope(engine) as session:
            report = run_warnings(session, TODAY, OPERATOR)
        return f"({report['new']:,} new warnings: {report['by_rule']})"

    total = timed("classify subjects", classify)
    total += timed("warning and trend run", warn)
    print(f"nightly total: {total:.1f} s (target 300 s for 1,000,000 subjects)")
    total = timed("warning run again (nothing new)", warn)
    engine.dispose()


def monitoring(url: str, month: str) -> None:
    engine = make_engine(url)

    def compute() -> str:
        with session_scope(engine) as session:
            report = compute_month(session, OPERATOR, month)
        slowest = sorted(report["indicators"], key=lambda r: -r["seconds"])[:5]
        shown = ", ".join(f"{r['indicator']} {r['seconds']} s" for r in slowest)
        return f"({len(report['indicators'])} indicators; slowest: {shown})"

    seconds = timed(f"monitoring {month}", compute)
    print(f"monitoring: {seconds:.1f} s (target 60 s for a 10,000,000-record city)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--recent", type=float, default=0.01)
    parser.add_argument("--month", default="2024-06")
    parser.add_argument(
        "--reuse", help="an SQLite database an earlier run generated (skips the load)"
    )
    args = parser.parse_args()
    if args.reuse:
        url = f"sqlite:///{args.reuse}"
        nightly(url)
        monitoring(url, args.month)
        return
    if args.db == "postgresql":
        name = f"xinyong_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='xinyong-bench-')}/bench.db"
    try:
        load(url, args.subjects, args.records)
        age_records(url, args.recent)
        nightly(url)
        monitoring(url, args.month)
    finally:
        if args.db == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
