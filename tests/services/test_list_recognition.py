from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from helpers import org, staff_headers
from sqlalchemy.orm import Session

from xinyong.settings import reset_settings


def act(client: TestClient, headers: dict[str, str], entry: int, **body: object) -> dict:  # type: ignore[type-arg]
    response = client.post(f"/api/v1/list-recognitions/{entry}/actions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_black_list_recognition_flow(
    session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = org(session)
    headers = staff_headers(session, ["read", "admin"])
    proposed = client.post(
        "/api/v1/list-recognitions",
        headers=headers,
        json={
            "list_type": "black_list",
            "subtype": "重大税收违法失信主体",
            "subject": subject.uscc,
            "reasons": "虚开增值税专用发票",
            "basis": "《重大税收违法失信主体信息公布管理办法》",
        },
    )
    assert proposed.status_code == 200, proposed.text
    entry = proposed.json()["id"]
    notified = act(client, headers, entry, action="notify")
    assert notified["statement_until"] == "2026-11-27"
    assert "陈述和申辩" in notified["notice"] and subject.name in notified["notice"]
    too_early = client.post(
        f"/api/v1/list-recognitions/{entry}/actions",
        headers=headers,
        json={
            "action": "decide",
            "decision_number": "示税失信〔2026〕1号",
            "valid_until": "2029-12-01",
        },
    )
    assert too_early.status_code == 422 and "陈述申辩期" in too_early.json()["detail"]
    monkeypatch.setenv("XINYONG_TODAY", "2026-11-30")
    reset_settings()
    decided = act(
        client,
        headers,
        entry,
        action="decide",
        decision_number="示税失信〔2026〕1号",
        valid_until="2029-11-30",
    )
    assert decided["report_due"] == "2026-12-14"
    assert "工作日" in decided["report_deadline"]
    listed = client.get("/api/v1/lists/black_list").json()
    assert [e["name"] for e in listed["items"]] == [subject.name]
    act(client, headers, entry, action="publish")
    reported = act(client, headers, entry, action="report")
    assert reported["reported_at"] is not None
    removed = act(client, headers, entry, action="remove", reason="repair", note="修复完成")
    assert removed["state"] == "removed"
    assert client.get("/api/v1/lists/black_list").json()["total"] == 0


def test_a_list_needs_a_legal_basis(session: Session, client: TestClient) -> None:
    subject = org(session)
    headers = staff_headers(session, ["read", "admin"])
    refused = client.post(
        "/api/v1/list-recognitions",
        headers=headers,
        json={
            "list_type": "black_list",
            "subtype": "其他",
            "subject": subject.uscc,
            "reasons": "群众反映",
            "basis": " ",
        },
    )
    assert refused.status_code == 422 and "依据" in refused.json()["detail"]
