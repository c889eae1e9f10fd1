"""Benchmark: single-subject credit checks over loopback against one server worker, beside the
trivial /healthz endpoint on the same server in the same run.

    python bench/check.py [--subjects 1000000] [--records 10000000] [--seconds 15]

Loads N subjects (valid USCCs) and M records (about 0.5% black list, 2% red list, the rest
penalties) into a fresh PostgreSQL database with server-side generation, starts
`uvicorn --workers 1`, and drives it with wrk (Debian package `wrk`). Prints requests/s,
the ratio check/healthz (target >= 0.5) and the check p99 latency (target <= 20 ms).

Every subject also gets a 60% holder (every fifth a second one with 40%) in graph_edges, so
that the related-party risk of each check (xinyong.graph.risk) walks majority chains
(``--no-graph`` leaves the graph empty).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, create_engine, text

os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")

from xinyong.accounts.service import create_api_key, create_department
from xinyong.audit.log import Actor
from xinyong.db.bulk import insert_frame
from xinyong.db.engine import make_engine, session_scope
from xinyong.db.migrate import upgrade
from xinyong.demo.identities import IdentityMaker
from xinyong.records.layouts import ensure_layouts, layout_for

PG_SERVER = os.environ.get(
    "XINYONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHUNK = 1_000_000
# Each record holds one field, its document number (records.layouts).
LAYOUTS = {
    short: layout_for(item, ["HM_RDWH"])
    for short, item in (("black", "black_list"), ("red", "red_list"), ("penalty", "admin_penalty"))
}

RECORDS_SQL = """
INSERT INTO records (record_key, version, is_current, item, subject_id, decision_date,
    valid_from, valid_to, publicity_end, status, severity, fields, layout_id, content_hash,
    received_at, recorded_at, publication_state, published_at)
SELECT md5('r' || i), 1, true,
    CASE WHEN i % 200 = 0 THEN 'black_list' WHEN i % 50 = 0 THEN 'red_list'
         ELSE 'admin_penalty' END,
    (1 + (i::bigint * 7919) % :subjects)::int,
    DATE '2025-06-01' + (i % 500),
    DATE '2025-06-01' + (i % 500),
    DATE '2028-06-01' + (i % 500),
    DATE '2028-06-02' + (i % 500),
    'active',
    CASE WHEN i % 7 = 0 THEN 'serious' ELSE 'general' END,
    json_build_array('示税失信〔2025〕' || i || '号'),
    CASE WHEN i % 200 = 0 THEN :black_layout WHEN i % 50 = 0 THEN :red_layout
         ELSE :penalty_layout END,
    md5('c' || i), now(), now(),
    CASE WHEN i % 200 = 0 OR i % 50 = 0 THEN NULL ELSE 'published' END,
    now()
FROM generate_series(:start, :stop) AS i
"""


def admin(statement: str) -> None:
    engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


# One holding per subject (a 60% holder: every check walks a chain of control), a second one
# (40%) for every fifth; each edge's record is a distinct current record (uq record, kind).
EDGES_SQL = """
INSERT INTO graph_edges (record_id, item, kind, source_key, source_kind, source_name,
    target_key, target_id, ratio, controls)
SELECT s.id + :offset, 'shareholder', 'holding', h.uscc, 'enterprise', h.name, s.uscc, s.id,
    :ratio, false
FROM subjects s JOIN subjects h ON h.id = 1 + (s.id::bigint * :step) % :subjects
WHERE s.uscc IS NOT NULL AND s.id % :every = 0
"""


def load(url: str, subjects: int, records: int, graph: bool = True) -> tuple[list[str], str]:
    upgrade(url)
    engine = make_engine(url)
    maker = IdentityMaker(random.Random(5))
    codes = [maker.uscc("91", "440507") for _ in range(subjects)]
    started = time.perf_counter()
    with session_scope(engine) as session:
        frame = pl.DataFrame(
            {
                "kind": ["enterprise"] * subjects,
                "uscc": codes,
                "name": [f"示范市基准{n}有限公司" for n in range(subjects)],
                "region": ["440507"] * subjects,
            }
        )
        now = pl.lit(time.strftime("%Y-%m-%d %H:%M:%S")).str.to_datetime()
        insert_frame(
            session,
            "subjects",
            frame.with_columns(now.alias("created_at"), now.alias("updated_at")),
        )
        office = create_department(
            session,
            Actor("bench"),
            maker.uscc("11", "440500"),
            "示范市发展和改革局",
            is_credit_office=True,
        )
        issued = create_api_key(session, Actor("bench"), ["checks"], office)
        # Quotas on (far above what the run reaches): the quota path runs on every call.
        issued.record.per_minute, issued.record.per_day = 10**8, 10**9
        key = issued.key
        ensure_layouts(session, LAYOUTS.values())
    with engine.begin() as conn:
        rebuild = drop_record_indexes(conn)
        for start in range(1, records + 1, CHUNK):
            conn.execute(
                text(RECORDS_SQL),
                {
                    "subjects": subjects,
                    "start": start,
                    "stop": min(start + CHUNK - 1, records),
                    **{f"{item}_layout": layout for item, layout in LAYOUTS.items()},
                },
            )
        for statement in rebuild:
            conn.execute(text(statement))
        if graph:
            assert records >= 2 * subjects, "the graph's edges need 2 records per subject"
            for offset, ratio, step, every in ((0, 0.6, 31, 1), (subjects, 0.4, 97, 5)):
                conn.execute(
                    text(EDGES_SQL),
                    {
                        "offset": offset,
                        "ratio": ratio,
                        "step": step,
                        "every": every,
                        "subjects": subjects,
                    },
                )
        conn.execute(text("ANALYZE"))
    print(f"loaded {subjects} subjects, {records} records in {time.perf_counter() - started:.0f}s")
    engine.dispose()
    return codes, key


def drop_record_indexes(conn: Connection) -> list[str]:
    """Drop the records table's secondary indexes and unique constraints for the bulk load;
    return the statements that rebuild them (one sorted build each instead of 10M inserts)."""
    constraints = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'records'::regclass AND contype = 'u'"
        )
    ).all()
    indexes = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records' "
            "AND indexname <> 'records_pkey' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'records'::regclass)"
        )
    ).all()
    rebuild = []
    for name, definition in constraints:
        conn.execute(text(f'ALTER TABLE records DROP CONSTRAINT "{name}"'))
        rebuild.append(f'ALTER TABLE records ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
        rebuild.append(definition)
    return rebuild


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, XINYONG_DATABASE_URL=url)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "xinyong.api.app:create_app",
            "--factory",
            "--workers",
            "1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=folder,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def lua_script(folder: Path, codes: list[str], key: str) -> Path:
    sample = random.Random(9).sample(codes, min(2000, len(codes)))
    listed = ",".join(f'"{c}"' for c in sample)
    script = folder / "check.lua"
    script.write_text(
        f"""
local codes = {{{listed}}}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "{key}"
request = function()
  local code = codes[math.random(#codes)]
  local body = '{{"subjects": ["' .. code .. '"], "matter": "GP", "purpose": "bench"}}'
  return wrk.format(nil, "/api/v1/checks", nil, body)
end
""",
        encoding="utf-8",
    )
    return script


def wrk(url: str, seconds: int, script: Path | None = None) -> tuple[float, float]:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    assert p99 is not None, output
    value = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    if "Non-2xx" in output:
        print(output)
    return rps, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--no-graph", action="store_true", help="no graph edges")
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="load into database NAME once and keep it; later runs with the same NAME reuse it",
    )
    args = parser.parse_args()
    database = args.keep or f"xinyong_bench_{uuid.uuid4().hex[:8]}"
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{database}"
    try:
        codes, key = kept(url, database, args) if args.keep else fresh(url, database, args)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            port = free_port()
            server = serve(url, port, folder)
            try:
                base = f"http://127.0.0.1:{port}"
                wrk(f"{base}/healthz", 3)  # warm up
                health_rps, health_p99 = wrk(f"{base}/healthz", args.seconds)
                script = lua_script(folder, codes, key)
                wrk(base, 3, script)
                check_rps, check_p99 = wrk(base, args.seconds, script)
            finally:
                server.terminate()
                server.wait()
        print(f"healthz  {health_rps:9.0f} req/s  p99 {health_p99:6.1f} ms")
        print(f"checks   {check_rps:9.0f} req/s  p99 {check_p99:6.1f} ms")
        print(
            f"ratio check/healthz = {check_rps / health_rps:.2f} (target >= 0.50); "
            f"check p99 = {check_p99:.1f} ms (target <= 20)"
        )
    finally:
        if not args.keep:
            admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def fresh(url: str, database: str, args: argparse.Namespace) -> tuple[list[str], str]:
    admin(f'CREATE DATABASE "{database}"')
    return load(url, args.subjects, args.records, not args.no_graph)


def kept(url: str, database: str, args: argparse.Namespace) -> tuple[list[str], str]:
    """Reuse a database an earlier run loaded (codes and key saved beside it)."""
    saved = Path(tempfile.gettempdir()) / f"{database}.json"
    if saved.exists():
        data = json.loads(saved.read_text(encoding="utf-8"))
        return data["codes"], data["key"]
    admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{database}"')
    codes, key = load(url, args.subjects, args.records, not args.no_graph)
    sample = random.Random(9).sample(codes, min(2000, len(codes)))
    saved.write_text(json.dumps({"codes": sample, "key": key}), encoding="utf-8")
    return sample, key


if __name__ == "__main__":
    main()
