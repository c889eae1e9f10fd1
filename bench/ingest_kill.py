"""Acceptance check: kill -9 during a large ingest, run it again, compare with an uninterrupted run.

    python bench/ingest_kill.py [--rows 1000000] [--after 20] [--sqlite]

Generates the benchmark penalty file, starts `xinyong ingest` in a subprocess, sends SIGKILL
after --after seconds, checks that nothing of the batch is visible, runs the same command to
completion, and compares the resulting records (keys, content hashes, layouts) with an
uninterrupted run into a second database, on PostgreSQL or (--sqlite) on SQLite files; on SQLite
it also checks that the records table has all its indexes and passes integrity_check.
Prints what it found.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
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

CURRENT = (
    "SELECT record_key || content_hash || layout_id FROM records WHERE is_current "
    "ORDER BY record_key"
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
        digest = hashlib.md5()
        count = 0
        for (row,) in conn.execute(text(CURRENT)):
            digest.update(row.encode() + b",")
            count += 1
        batches = conn.execute(text("SELECT count(*) FROM batches")).scalar_one()
        layouts = conn.execute(text("SELECT count(*) FROM record_layouts")).scalar_one()
    engine.dispose()
    return count, digest.hexdigest(), int(batches), int(layouts)


def sqlite_health(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        indexes = conn.execute(
            text("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'records'")
        ).scalar_one()
        check = conn.execute(text("PRAGMA integrity_check")).scalar_one()
    engine.dispose()
    return f"records indexes={indexes}, integrity_check={check}"


def sqlite_database(folder: Path, name: str) -> tuple[str, str]:
    url = f"sqlite:///{folder / name}.db"
    upgrade(url)
    return name, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--after", type=float, default=20.0)
    parser.add_argument("--sqlite", action="store_true", help="SQLite files, not PostgreSQL")
    args = parser.parse_args()
    os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")
    os.environ["XINYONG_TODAY"] = "2026-11-22"
    folder = Path(tempfile.mkdtemp())
    path = folder / "penalties.csv"
    generate(path, args.rows)
    if args.sqlite:
        killed_db, killed_url = sqlite_database(folder, "killed")
        clean_db, clean_url = sqlite_database(folder, "clean")
    else:
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
        if args.sqlite:
            print(f"after the kill: {sqlite_health(killed_url)}")
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
        shutil.rmtree(folder, ignore_errors=True)
        if not args.sqlite:
            admin(f'DROP DATABASE IF EXISTS "{killed_db}" WITH (FORCE)')
            admin(f'DROP DATABASE IF EXISTS "{clean_db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
