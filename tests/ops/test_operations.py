"""Readiness, Prometheus metrics, the request id and JSON log lines."""

from __future__ import annotations

import json
import logging
import logging.config

import pytest
from fastapi.testclient import TestClient
from helpers import staff_headers
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.ops.logs import log_config
from xinyong.ops.readiness import expected_revision


def test_ready_when_every_migration_is_applied_and_not_before(
    client: TestClient, session: Session
) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready" and ready.json()["revision"] == expected_revision()
    session.execute(text("UPDATE alembic_version SET version_num = '0021'"))
    session.commit()
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert "0021" in behind.json()["reason"] and "xinyong db upgrade" in behind.json()["reason"]
    assert client.get("/healthz").status_code == 200  # alive, only not ready


def test_metrics_count_requests_by_route_template_for_admins_only(
    client: TestClient, session: Session
) -> None:
    assert client.get("/metrics").status_code == 401
    headers = staff_headers(session, ["admin"])
    for code in ("91440500MA4UX0001A", "91440500MA4UX0002B"):
        client.get(f"/api/v1/subjects/{code}")
    body = client.get("/metrics", headers=headers)
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/plain")
    lines = body.text.splitlines()
    counted = [line for line in lines if line.startswith("xinyong_http_requests_total{")]
    subject = [line for line in counted if 'route="/api/v1/subjects/{code}"' in line]
    assert subject and sum(float(line.rsplit(" ", 1)[1]) for line in subject) == 2
    assert not any("91440500MA4UX0001A" in line for line in lines)  # templates, not values
    assert any(line.startswith("xinyong_http_request_duration_seconds_bucket") for line in lines)
    for family in (
        "xinyong_ingest_rows_total",
        "xinyong_ingest_batches",
        "xinyong_evaluation_runs",
    ):
        assert f"# TYPE {family.removesuffix('_total')}" in body.text


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert given.headers["x-request-id"] == "lb-7f3a.42"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["x-request-id"] != "bad id\twith spaces"
    assert len(made.headers["x-request-id"]) == 32


def test_json_logs_carry_the_request_id(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from xinyong.api.app import create_app

    logging.config.dictConfig(log_config("json"))
    try:
        with TestClient(create_app(access_log=True)) as served:
            served.get("/api/v1/catalog", headers={"X-Request-ID": "trace-1"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    access = [line for line in lines if line["logger"] == "xinyong.access"]
    assert access and access[-1]["request_id"] == "trace-1"
    assert access[-1]["route"] == "/api/v1/catalog" and access[-1]["status"] == 200
    assert isinstance(access[-1]["duration_ms"], float)
