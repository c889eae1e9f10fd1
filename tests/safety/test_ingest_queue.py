"""An upload is stored and queued: the request answers at once (202) with the batch and where
to follow it; a worker process loads it with its own memory and time limits while the server
goes on answering; the batch's state and counts are read back, by its department only."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ingesting import ITEM, finished, upload
from penalty_files import HEADERS, good_row, write_csv
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_api_key, create_department
from xinyong.audit.log import Actor
from xinyong.demo.identities import IdentityMaker
from xinyong.ingest.queue import _exit_reason
from xinyong.records.models import Record
from xinyong.settings import reset_settings

ROWS = 20_000


def _file(tmp_path: Path, rows: int = ROWS) -> bytes:
    return write_csv(
        tmp_path / "处罚.csv", [good_row(n) for n in range(rows)], headers=HEADERS
    ).read_bytes()


def test_an_upload_is_answered_at_once_and_loaded_by_a_worker(
    client: TestClient, ingest_key: dict[str, str], session: Session, tmp_path: Path
) -> None:
    content = _file(tmp_path)
    started = time.perf_counter()
    answer = upload(client, ingest_key, "处罚.csv", content)
    answered = time.perf_counter() - started
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert queued["state"] == "queued" and queued["status_url"].endswith(str(queued["batch_id"]))
    assert answered < 3, answered
    pauses = []
    while True:  # the server answers while the batch loads in its worker
        before = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        pauses.append(time.perf_counter() - before)
        state = client.get(queued["status_url"], headers=ingest_key).json()
        if state["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert state["state"] == "done", state
    assert (state["total"], state["accepted"], state["new"]) == (ROWS, ROWS, ROWS)
    assert max(pauses) < 0.5, max(pauses)
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == ROWS


def test_only_the_department_reads_its_batch(
    client: TestClient, ingest_key: dict[str, str], session: Session, tmp_path: Path
) -> None:
    body = finished(client, ingest_key, upload(client, ingest_key, "处罚.csv", _file(tmp_path, 3)))
    assert body["state"] == "done" and body["accepted"] == 3
    actor = Actor("cli:test")
    tax = IdentityMaker(random.Random(12)).uscc("11", "440500")
    other = create_department(session, actor, tax, "示范市税务局")
    key = {"X-API-Key": create_api_key(session, actor, ["ingest"], department=other).key}
    session.commit()
    refused = client.get(body["status_url"], headers=key)
    assert refused.status_code == 403 and "其他部门" in refused.json()["detail"]
    missing = client.get("/api/v1/ingest/batches/999999", headers=ingest_key)
    assert missing.status_code == 404 and "批次999999不存在" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("XINYONG_INGEST_WORKER_MEMORY_MB", "300", "XINYONG_INGEST_WORKER_MEMORY_MB"),
        ("XINYONG_INGEST_WORKER_SECONDS", "1", "超过时限1秒（XINYONG_INGEST_WORKER_SECONDS）"),
    ],
    ids=["memory", "time"],
)
def test_a_worker_past_its_limits_fails_its_batch_with_the_reason(
    client: TestClient,
    ingest_key: dict[str, str],
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    value: str,
    reason: str,
) -> None:
    monkeypatch.setenv(setting, value)
    reset_settings()
    body = finished(client, ingest_key, upload(client, ingest_key, "处罚.csv", _file(tmp_path)))
    assert body["state"] == "failed", body
    assert reason in body["error"] and "未载入任何数据" in body["error"], body["error"]
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 0


def test_a_large_push_is_queued_too(
    client: TestClient, ingest_key: dict[str, str], session: Session
) -> None:
    rows = [good_row(n) for n in range(1500)]
    answer = client.post(f"/api/v1/ingest/{ITEM}", headers=ingest_key, json={"rows": rows})
    assert answer.status_code == 202, answer.text
    body = finished(client, ingest_key, answer)
    assert body["state"] == "done" and body["accepted"] == 1500
    small = client.post(f"/api/v1/ingest/{ITEM}", headers=ingest_key, json={"rows": rows[:3]})
    assert small.status_code == 200 and small.json()["unchanged"] == 3


@pytest.mark.parametrize(
    "stderr",
    [
        "MemoryError",
        "ImportError: libsqlite3.so.0: failed to map segment from shared object",
        "OSError: [Errno 12] Cannot allocate memory",
    ],
)
def test_a_worker_out_of_address_space_is_told_as_the_memory_limit(stderr: str) -> None:
    reason = _exit_reason(1, f"Traceback (most recent call last):\n{stderr}\n")
    assert reason is not None and "XINYONG_INGEST_WORKER_MEMORY_MB" in reason
    other = _exit_reason(1, "ValueError: 别的错误\n")
    assert other is not None and "MEMORY_MB" not in other and "别的错误" in other
