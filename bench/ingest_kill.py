"""Acceptance check: kill -9 during a large ingest, run it again, compare with an uninterrupted run.

    python bench/ingest_kill.py [--rows 1000000] [--after 20]

On PostgreSQL: generates the benchmark penalty file, starts `xinyong ingest` in a subprocess,
sends SIGKILL after --after seconds, checks that nothing of the batch is visible, runs the same
command to completion, and compares the resulting records (keys and content hashes) with an
uninterrupted run into a second database. Prints what it found.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from ingest import PG_SERVER, generate

from xinyong.db.migrate import upgrade

FINGERPRINT = (
    "SELECT count(*), md5(string_agg(record_key || content_hash || layout_id, ',' "
    "ORDER BY record_key)) FROM records WHERE is_current"
)


def admin(statement: str) -> None:
    engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def fresh_database() -> tuple[str, str]:
    name = f"xinyong_kill_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{name}"')
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return name, url


def ingest_command(path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "xinyong.cli.main",
        "ingest",
        "admin_penalty",
        str(path),
        "--json",
    ]


def fingerprint(url: str) -> tuple[int, str, int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        count, digest = conn.execute(text(FINGERPRINT)).one()
        batches = conn.execute(text("SELECT count(*) FROM batches")).scalar_one()
        layouts = conn.execute(text("SELECT count(*) FROM record_layouts")).scalar_one()
    engine.dispose()
    return int(count), str(digest), int(batches), int(layouts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--after", type=float, default=20.0)
    args = parser.parse_args()
    os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")
    os.environ["XINYONG_TODAY"] = "2026-11-22"
    folder = Path(tempfile.mkdtemp())
    path = folder / "penalties.csv"
    generate(path, args.rows)
    killed_db, killed_url = fresh_database()
    clean_db, clean_url = fresh_database()
    try:
        env = dict(os.environ, XINYONG_DATABASE_URL=killed_url)
        process = subprocess.Popen(
            ingest_command(path),
            env=env,
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(args.after)
        process.send_signal(signal.SIGKILL)
        process.wait()
        after_kill = fingerprint(killed_url)
        print(
            f"killed after {args.after:.0f}s: records visible={after_kill[0]}, "
            f"batches={after_kill[2]}, layouts={after_kill[3]}"
        )
        subprocess.run(
            ingest_command(path), env=env, cwd=folder, check=True, stdout=subprocess.DEVNULL
        )
        rerun = fingerprint(killed_url)
        env_clean = dict(os.environ, XINYONG_DATABASE_URL=clean_url)
        subprocess.run(
            ingest_command(path), env=env_clean, cwd=folder, check=True, stdout=subprocess.DEVNULL
        )
        clean = fingerprint(clean_url)
        print(
            f"rerun after kill: records={rerun[0]} batches={rerun[2]} layouts={rerun[3]} "
            f"digest={rerun[1]}"
        )
        print(
            f"uninterrupted:    records={clean[0]} batches={clean[2]} layouts={clean[3]} "
            f"digest={clean[1]}"
        )
        print("same final state" if rerun[:2] == clean[:2] else "DIFFERENT final state")
    finally:
        admin(f'DROP DATABASE IF EXISTS "{killed_db}" WITH (FORCE)')
        admin(f'DROP DATABASE IF EXISTS "{clean_db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
