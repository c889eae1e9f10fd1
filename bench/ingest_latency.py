"""Benchmark: does the server keep answering while a large upload is loaded?

    python bench/ingest_latency.py [--rows 1000000] [--database sqlite|postgresql]

Starts `uvicorn xinyong.api.app:create_app` on a fresh database with a small seed batch, then
uploads a file of N realistic penalty rows (bench/ingest.py's generator) through
POST /api/v1/ingest/admin_penalty while two clients time GET /healthz and a subject page
(GET /subjects/{code}) every 20 ms, from the upload's start until the batch is done. Prints
the upload's answer time, the batch's duration and counts, and p50/p99/max of both pages idle,
while the file is sent, and while the batch loads (target: p99 < 100 ms). Numbers only.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")
os.environ["XINYONG_TODAY"] = "2026-11-22"

from ingest import PG_SERVER, generate  # (bench/ingest.py)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sampler:
    """Times one URL every ``interval`` seconds, each sample tagged with the current phase."""

    def __init__(self, url: str, interval: float = 0.02) -> None:
        self.url, self.interval = url, interval
        self.phase = "idle"
        self.samples: dict[str, list[float]] = {}
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=60) as client:
            while not self._stop.is_set():
                phase, started = self.phase, time.perf_counter()
                try:
                    ok = client.get(self.url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                took = time.perf_counter() - started
                if ok:
                    self.samples.setdefault(phase, []).append(took)
                else:
                    self.errors += 1
                self._stop.wait(max(0.0, self.interval - took))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def report(self, name: str) -> None:
        for phase, values in self.samples.items():
            p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
            print(
                f"  {name:<8} {phase:<8} n={len(values):>5}  p50={p50:7.1f} ms"
                f"  p99={p99:7.1f} ms  max={max(values) * 1000:7.1f} ms"
            )
        if self.errors:
            print(f"  {name:<8} errors={self.errors}")


def prepare(url: str, folder: Path) -> tuple[str, str]:
    """Migrate, create the credit office's admin key, load a small seed batch; returns the key
    and the code of a subject with a public record."""
    from sqlalchemy import select

    from xinyong.accounts.service import create_api_key, create_department
    from xinyong.audit.log import Actor
    from xinyong.db.engine import session_scope
    from xinyong.db.migrate import upgrade
    from xinyong.demo.identities import IdentityMaker
    from xinyong.ingest.pipeline import ingest_file
    from xinyong.records.models import Record
    from xinyong.subjects.models import Subject

    upgrade(url)
    seed = folder / "seed.csv"
    generate(seed, 2000, seed=2)
    actor = Actor("cli:bench")
    with session_scope() as session:
        import random

        office = create_department(
            session,
            actor,
            IdentityMaker(random.Random(3)).uscc("11", "440500"),
            "示范市发展和改革局",
            is_credit_office=True,
        )
        key = create_api_key(session, actor, ["admin"], office).key
        ingest_file(session, "admin_penalty", seed, actor=actor, publish=True)
    with session_scope() as session:
        code = session.execute(
            select(Subject.uscc).join(Record, Record.subject_id == Subject.id).limit(1)
        ).scalar_one()
    return key, str(code)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="xinyong-latency-"))
    database = None
    if args.database == "sqlite":
        url = f"sqlite:///{folder}/latency.db"
    else:
        database = f"xinyong_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        url = PG_SERVER.rsplit("/", 1)[0] + f"/{database}"
    os.environ["XINYONG_DATABASE_URL"] = url
    os.environ["XINYONG_DATA_DIR"] = str(folder / "data")
    key, code = prepare(url, folder)
    path = folder / "penalties.csv"
    generate(path, args.rows)
    print(
        f"file: {path.stat().st_size / 2**20:.0f} MB, {args.rows} rows; database: {args.database}"
    )
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "xinyong.api.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=dict(os.environ),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        samplers = {
            "healthz": Sampler(f"{base}/healthz"),
            "subject": Sampler(f"{base}/subjects/{code}"),
        }
        for sampler in samplers.values():
            sampler.start()
        time.sleep(5)
        for sampler in samplers.values():
            sampler.phase = "sending"
        started = time.perf_counter()
        with path.open("rb") as handle, httpx.Client(timeout=600) as client:
            answer = client.post(
                f"{base}/api/v1/ingest/admin_penalty",
                headers={"X-API-Key": key},
                files={"file": (path.name, handle, "text/csv")},
            )
            answered = time.perf_counter() - started
            for sampler in samplers.values():
                sampler.phase = "loading"
            print(f"upload answered {answer.status_code} in {answered:.2f} s: {answer.text[:200]}")
            status: dict[str, object] = answer.json()
            refused_polls = 0
            while answer.status_code == 202 and status.get("state") not in ("done", "failed"):
                time.sleep(1)
                polled = client.get(
                    f"{base}{answer.json()['status_url']}", headers={"X-API-Key": key}
                )
                if polled.status_code == 200:
                    status = polled.json()
                else:  # SQLite: a server write (the key's last use) waits for the batch
                    refused_polls += 1
        if refused_polls:
            print(f"status polls answered with an error: {refused_polls}")
        finished = time.perf_counter() - started
        for sampler in samplers.values():
            sampler.stop()
        counts = {k: status.get(k) for k in ("state", "total", "accepted", "rejected", "new")}
        own = status.get("duration_s")
        print(f"batch {counts} after {finished:.1f} s (the worker's load: {own} s)")
        for name, sampler in samplers.items():
            sampler.report(name)
    finally:
        server.terminate()
        server.wait()
        if database:
            admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
