"""Benchmark: a full credit evaluation run and the re-grade after one new record.

    python bench/evaluation.py [--subjects 1000000] [--records 10000000] [--db sqlite|postgresql]
                               [--regrades 200]

Generates N organisations and M records in a fresh database (in the database itself: a
recursive CTE on SQLite, generate_series on PostgreSQL), with the items the shipped models
read (penalties by severity, inspections with results, lists, tax grades, arrears ...), then:

* runs ``xinyong evaluation run`` (all models in force, reading included) twice: the first
  run writes every grade and a first history entry each; the second finds nearly nothing
  changed;
* re-grades single subjects after adding one penalty each (``regrade`` plus the commit),
  and prints the p50 / p95 / max.

Targets (issue 20): full run within 60 s for 1,000,000 organisations and 10,000,000 records;
re-grade p95 within 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")

from xinyong.audit.log import Actor
from xinyong.db.engine import make_engine, session_scope
from xinyong.db.migrate import upgrade
from xinyong.evaluation.service import regrade, run_evaluation
from xinyong.records.layouts import ensure_layouts, layout_for

PG_SERVER = os.environ.get(
    "XINYONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
AS_OF = date(2026, 11, 22)
OPERATOR = Actor("cli:bench")
CHUNK = 1_000_000
FIELDS = {
    "admin_inspection": "JC_JGQK",
    "tax_credit_grade": "NS_DJ",
    "admin_penalty": "CF_WSH",
    "black_list": "HM_RDWH",
    "red_list": "HB_RDWH",
    "abnormal_operation": "YC_LRWH",
    "dishonest_judgment_debtor": "SX_AH",
    "social_insurance_arrears": "SB_WSH",
    "admin_license": "XK_WSH",
}
LAYOUTS = {item: layout_for(item, [code]) for item, code in FIELDS.items()}
# i % 1000 below the bound -> item (the rest are penalties).
MIX = (
    (5, "black_list"),
    (15, "red_list"),
    (30, "abnormal_operation"),
    (40, "dishonest_judgment_debtor"),
    (90, "tax_credit_grade"),
    (190, "admin_inspection"),
    (220, "social_insurance_arrears"),
    (350, "admin_license"),
)
RESULTS = ("未发现问题", "未发现问题", "发现问题已责令改正", "未发现问题", "发现问题已立案查处")
TAX = ("A", "B", "B", "M", "C", "D")


def _case(expr: str, pairs: list[tuple[int, str]], default: str) -> str:
    whens = " ".join(f"WHEN {expr} < {bound} THEN {value}" for bound, value in pairs)
    return f"CASE {whens} ELSE {default} END"


def _pick(values: tuple[str, ...], index: str) -> str:
    whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"CASE ({index}) % {len(values)} {whens} END"


def records_sql(dialect: str) -> str:
    pg = dialect == "postgresql"
    bucket = "(i % 1000)"
    item = _case(bucket, [(b, f"'{name}'") for b, name in MIX], "'admin_penalty'")
    layout = _case(
        bucket, [(b, str(LAYOUTS[name])) for b, name in MIX], str(LAYOUTS["admin_penalty"])
    )
    day = "CAST((i * 37) % 1790 AS integer)"
    decided = (
        f"DATE '2022-01-10' + {day}" if pg else f"date('2022-01-10', '+' || ({day}) || ' days')"
    )
    later = (
        (lambda n: f"DATE '2022-01-10' + {day} + {n}")
        if pg
        else (lambda n: f"date('2022-01-10', '+' || ({day} + {n}) || ' days')")
    )
    value = _case(
        bucket,
        [
            (90, f"{_pick(TAX, 'i / 1000')}"),
            (190, f"{_pick(RESULTS, 'i / 1000')}"),
        ],
        "'示罚〔2026〕' || i || '号'",
    )
    listed = f"{bucket} < 40"
    fields = f"json_build_array({value})" if pg else f"json_array({value})"
    key = "md5('r' || i)" if pg else "printf('%064d', i)"
    digest = "md5('c' || i)" if pg else "printf('c%063d', i)"
    now = "now()" if pg else "datetime('now')"
    true = "true" if pg else "1"
    return f"""
INSERT INTO records (record_key, version, is_current, item, subject_id, decision_date,
    valid_from, valid_to, publicity_end, status, severity, amount_yuan, fields, layout_id,
    content_hash, received_at, recorded_at, publication_state, published_at)
SELECT {key}, 1, {true}, {item}, 1 + (i * 7919) % :subjects, {decided},
    CASE WHEN {listed} THEN {decided} END,
    CASE WHEN {listed} AND {bucket} >= 15 AND {bucket} < 30 THEN NULL
         WHEN {listed} THEN {later(1095)} END,
    CASE WHEN {bucket} >= 15 AND {bucket} < 30 THEN NULL ELSE {later(1096)} END,
    'active',
    CASE WHEN {bucket} >= 350 THEN CASE WHEN i % 7 = 0 THEN 'serious' ELSE 'general' END END,
    CASE WHEN {bucket} >= 190 AND {bucket} < 220 THEN (i % 20) * 1000
         WHEN {bucket} >= 350 THEN (i % 50) * 1000 END,
    {fields}, {layout}, {digest}, {now}, {now},
    CASE WHEN {bucket} >= 350 THEN 'published' END,
    CASE WHEN {bucket} >= 350 THEN {now} END
FROM {"generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) AS i" if pg else "series"}
"""


SQLITE_SERIES = (
    "WITH RECURSIVE series(i) AS (SELECT :start UNION ALL SELECT i + 1 FROM series "
    "WHERE i < :stop) "
)


def subjects_sql(dialect: str) -> str:
    pg = dialect == "postgresql"
    kind = _case(
        "(i % 100)",
        [(80, "'enterprise'"), (95, "'individual_business'"), (97, "'farmer_cooperative'")],
        "'social_organization'",
    )
    code = "'91' || lpad(i::text, 16, '0')" if pg else "printf('91%016d', i)"
    now = "now()" if pg else "datetime('now')"
    source = "generate_series(1, CAST(:n AS bigint)) AS i" if pg else "series"
    prefix = "" if pg else SQLITE_SERIES.replace(":start", "1").replace(":stop", ":n")
    return (
        f"{prefix}INSERT INTO subjects (id, kind, uscc, name, region, created_at, updated_at) "
        f"SELECT i, {kind}, {code}, '基准' || i || '号有限公司', '440507', {now}, {now} "
        f"FROM {source}"
    )


def drop_indexes(conn: Connection, dialect: str) -> list[str]:
    """Drop the records table's secondary indexes for the load; return their definitions."""
    if dialect == "postgresql":
        rows = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records' "
                "AND indexname <> 'records_pkey' AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = 'records'::regclass)"
            )
        ).all()
    else:
        rows = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'records' AND sql IS NOT NULL"
            )
        ).all()
    for name, _ in rows:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in rows]


def load(url: str, subjects: int, records: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    dialect = engine.dialect.name
    started = time.perf_counter()
    with session_scope(engine) as session:
        ensure_layouts(session, LAYOUTS.values())
    with engine.begin() as conn:
        conn.execute(text(subjects_sql(dialect)), {"n": subjects})
        rebuild = drop_indexes(conn, dialect)
        statement = records_sql(dialect)
        if dialect == "sqlite":
            statement = SQLITE_SERIES + statement
        for start in range(1, records + 1, CHUNK):
            stop = min(start + CHUNK - 1, records)
            conn.execute(text(statement), {"subjects": subjects, "start": start, "stop": stop})
        for definition in rebuild:
            conn.execute(text(definition))
        conn.execute(text("ANALYZE"))
    engine.dispose()
    seconds = time.perf_counter() - started
    print(f"loaded {subjects:,} subjects, {records:,} records in {seconds:.0f} s")


def full_runs(url: str) -> None:
    engine = make_engine(url)
    for label in ("first run (every grade new)", "second run (same data)"):
        started = time.perf_counter()
        with session_scope(engine) as session:
            report = run_evaluation(session, OPERATOR, AS_OF)
        seconds = time.perf_counter() - started
        graded = sum(m["subjects"] for m in report.models)
        changed = report.changed
        print(f"{label}: {seconds:.1f} s with the commit ({graded:,} grades, {changed:,} changed)")
        for m in report.models:
            print(f"    {m['model']}: {m['grades']}")
    engine.dispose()


def regrades(url: str, subjects: int, count: int) -> None:
    engine = make_engine(url)
    rng = random.Random(11)
    timings = []
    penalty = LAYOUTS["admin_penalty"]
    for n in range(count):
        subject = rng.randrange(1, subjects + 1)
        with session_scope(engine) as session:
            session.execute(
                text(
                    "INSERT INTO records (record_key, version, is_current, item, subject_id, "
                    "decision_date, publicity_end, status, severity, fields, layout_id, "
                    "content_hash, received_at, recorded_at) VALUES (:key, 1, :true, "
                    "'admin_penalty', :subject, :day, :end, 'active', 'serious', :fields, "
                    ":layout, :key, :now, :now)"
                ),
                {
                    "key": uuid.uuid4().hex,
                    "true": True,
                    "subject": subject,
                    "day": AS_OF,
                    "end": date(2029, 11, 22),
                    "fields": f'["基准罚〔2026〕{n}号"]',
                    "layout": penalty,
                    "now": time.strftime("%Y-%m-%d %H:%M:%S"),
                },
            )
            session.flush()
            started = time.perf_counter()
            regrade(session, subject, "基准测试：新增一条严重行政处罚", AS_OF)
            session.commit()
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"re-grade after one new record ({count} subjects, all models, commit included): "
        f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--regrades", type=int, default=200)
    args = parser.parse_args()
    if args.db == "postgresql":
        name = f"xinyong_bench_eval_{os.getpid()}"
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    else:
        folder = Path(tempfile.mkdtemp(prefix="xinyong-bench-eval-"))
        url = f"sqlite:///{folder / 'bench.db'}"
    try:
        load(url, args.subjects, args.records)
        full_runs(url)
        regrades(url, args.subjects, args.regrades)
    finally:
        if args.db == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
