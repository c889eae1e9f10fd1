from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from helpers import (
    black_list_entry,
    org,
    penalty_values,
    repair_commitment,
    save_penalty,
    staff_headers,
)
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.settings import reset_settings
from xinyong.subjects.models import Subject

ACTOR = Actor("cli:test")


def penalty(
    session: Session, subject: Subject, categories: list[str], number: str, **kwargs: object
) -> int:
    values = penalty_values(subject, categories, date(2026, 5, 1), number, **kwargs)  # type: ignore[arg-type]
    record = save_penalty(session, subject, values).record
    session.commit()
    return record.id


def public_numbers(client: TestClient, code: str) -> dict[str, dict[str, object]]:
    body = client.get(f"/api/v1/subjects/{code}").json()
    return {r["fields"]["CF_WSH"]: r for r in body["records"] if r["item"] == "admin_penalty"}


def test_publicity_periods_in_the_public_subject_view(session: Session, client: TestClient) -> None:
    subject = org(session)
    penalty(session, subject, ["警告"], "W-1")
    penalty(session, subject, ["罚款"], "F-1", fine_wan="0.2")
    penalty(session, subject, ["罚款"], "E-1", fine_wan="0.2", explicit_end=date(2026, 10, 31))
    shown = public_numbers(client, subject.uscc or "")
    assert set(shown) == {"F-1"}


def test_disputed_record_carries_the_mark(session: Session, client: TestClient) -> None:
    subject = org(session)
    record_id = penalty(session, subject, ["罚款"], "F-2", fine_wan="0.2")
    headers = staff_headers(session, ["admin"])
    filed = client.post(
        "/api/v1/objections",
        json={
            "record_id": record_id,
            "filer_name": subject.name,
            "filer_kind": "subject",
            "grounds": "wrong_or_missing",
            "description": "罚款金额有误",
            "contact": "13800000000",
        },
    )
    assert filed.status_code == 200, filed.text
    code = filed.json()["tracking_code"]
    assert public_numbers(client, subject.uscc or "")["F-2"]["disputed"] is False
    accepted = client.post(
        f"/api/v1/objections/{filed.json()['id']}/actions",
        json={"action": "accept"},
        headers=headers,
    )
    assert accepted.status_code == 200 and accepted.json()["due_date"] == "2026-11-27"
    assert public_numbers(client, subject.uscc or "")["F-2"]["disputed"] is True
    tracked = client.get(f"/api/v1/objections/track/{code}").json()
    assert tracked["state"] == "accepted" and "工作日" in tracked["deadline"]
    decided = client.post(
        f"/api/v1/objections/{filed.json()['id']}/actions",
        headers=headers,
        json={"action": "decide", "outcome": "confirmed", "reason": "经核实原信息无误"},
    )
    assert decided.json()["state"] == "confirmed"
    assert public_numbers(client, subject.uscc or "")["F-2"]["disputed"] is False


def test_illegal_transition_is_refused_in_chinese(session: Session, client: TestClient) -> None:
    subject = org(session)
    record_id = penalty(session, subject, ["罚款"], "F-3", fine_wan="0.2")
    headers = staff_headers(session, ["admin"])
    filed = client.post(
        "/api/v1/objections",
        json={
            "record_id": record_id,
            "filer_name": "张三",
            "grounds": "other",
            "description": "不应公示",
        },
    ).json()
    refused = client.post(
        f"/api/v1/objections/{filed['id']}/actions", headers=headers, json={"action": "close"}
    )
    assert refused.status_code == 409
    assert "不能从“已提交”变为“已办结”" in refused.json()["detail"]
    anonymous = client.post(f"/api/v1/objections/{filed['id']}/actions", json={"action": "accept"})
    assert anonymous.status_code == 401


def test_repaired_penalty_leaves_public_views_but_auditors_still_see_it(
    session: Session, client: TestClient
) -> None:
    subject = org(session)
    record_id = penalty(session, subject, ["罚款"], "F-4", fine_wan="0.2")
    repair_commitment(session, subject)
    headers = staff_headers(session, ["read", "admin"])
    applied = client.post(
        "/api/v1/repairs",
        json={"record_id": record_id, "applicant": subject.name, "obligations_attested": True},
    )
    body = applied.json()
    assert applied.status_code == 200 and body["eligibility"]["eligible"] is True, body
    for action in ("accept", "approve"):
        done = client.post(
            f"/api/v1/repairs/{body['id']}/actions",
            headers=headers,
            json={"action": action, "reason": "符合修复条件"},
        )
        assert done.status_code == 200, done.text
    assert "F-4" not in public_numbers(client, subject.uscc or "")
    staff_view = client.get(f"/api/v1/subjects/{subject.uscc}", headers=headers).json()
    repaired = [r for r in staff_view["records"] if r["fields"].get("CF_WSH") == "F-4"]
    assert repaired and repaired[0]["status"] == "repaired"


def test_repair_without_commitment_explains_why_it_is_not_eligible(
    session: Session, client: TestClient
) -> None:
    subject = org(session)
    record_id = penalty(session, subject, ["罚款"], "F-5", fine_wan="0.2")
    headers = staff_headers(session, ["read", "admin"])
    body = client.post(
        "/api/v1/repairs",
        json={"record_id": record_id, "applicant": subject.name, "obligations_attested": False},
    ).json()
    unmet = [c["explanation"] for c in body["eligibility"]["conditions"] if not c["met"]]
    assert any("信用修复型承诺" in u for u in unmet) and any("义务" in u for u in unmet)
    client.post(f"/api/v1/repairs/{body['id']}/actions", headers=headers, json={"action": "accept"})
    refused = client.post(
        f"/api/v1/repairs/{body['id']}/actions",
        headers=headers,
        json={"action": "approve", "reason": "同意"},
    )
    assert refused.status_code == 422 and "不符合修复条件" in refused.json()["detail"]


def test_black_list_entry_disappears_after_its_validity_by_itself(
    session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = org(session)
    black_list_entry(session, subject, "2026-12-31")
    listed = client.get("/api/v1/lists/black_list").json()
    assert [e["code"] for e in listed["items"]] == [subject.uscc]
    entry = listed["items"][0]
    assert entry["since"] == "2025-12-01" and entry["until"] == "2026-12-31"
    assert listed["list"]["legal_basis"]
    monkeypatch.setenv("XINYONG_TODAY", "2027-01-01")
    reset_settings()
    assert client.get("/api/v1/lists/black_list").json()["total"] == 0
    assert client.get("/api/v1/lists/no_such_list").status_code == 404


def test_reviewer_approves_and_publishes_a_dual_publicity_record(
    session: Session, client: TestClient
) -> None:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 11, 18), "N-1", fine_wan="0.5")
    record = save_penalty(session, subject, values, published=False).record
    session.commit()
    assert record.publication_state == "uploaded"
    headers = staff_headers(session, ["read", "admin"])
    for action in ("request", "approve", "publish"):
        done = client.post(
            f"/api/v1/publications/{record.id}/actions", headers=headers, json={"action": action}
        )
        assert done.status_code == 200, done.text
    assert "N-1" in public_numbers(client, subject.uscc or "")
    withdrawn = client.post(
        f"/api/v1/publications/{record.id}/actions",
        headers=headers,
        json={"action": "withdraw", "kind": "revoked", "reason": "复议撤销"},
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert "N-1" not in public_numbers(client, subject.uscc or "")
    stats = client.get("/api/v1/publications/statistics", headers=headers).json()
    assert stats["departments"][0]["by_state"] == {"withdrawn": 1}
