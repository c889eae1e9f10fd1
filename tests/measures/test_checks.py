from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import ACME, black_list_entry, org, repair_commitment, staff_headers
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEntry
from xinyong.catalog.registry import get_catalog
from xinyong.measures.registry import HERE, MeasureError, load_measure_book
from xinyong.records.store import save_record


def check(client: TestClient, headers: dict[str, str], *subjects: str, matter: str = "GP"):  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/checks",
        headers=headers,
        json={"subjects": list(subjects), "matter": matter, "purpose": "政府采购供应商资格审查"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_black_listed_subject_is_restricted_with_legal_basis_then_clear_after_repair(
    session: Session, client: TestClient
) -> None:
    subject = org(session)
    black_list_entry(session, subject, "2029-12-31")
    repair_commitment(session, subject)
    headers = staff_headers(session, ["checks", "read", "admin"])
    answer = check(client, headers, ACME)
    result = answer["results"][0]
    assert result["advice"] == "restrict"
    assert result["hits"][0]["list_type"] == "black_list"
    assert result["hits"][0]["document"] == "示税失信认〔2025〕1号"
    names = {m["name"]: m for m in result["measures"]}
    assert "限制参加政府采购活动" in names
    assert "政府采购法" in names["限制参加政府采购活动"]["legal_basis"]
    assert all(m["legal_basis"] for m in result["measures"])
    audit = session.execute(select(AuditEntry).where(AuditEntry.action == "check.run")).scalar_one()
    assert audit.purpose == "政府采购供应商资格审查" and audit.target_id == answer["check_id"]
    record_id = result["hits"][0]["record_id"]
    applied = client.post(
        "/api/v1/repairs",
        json={"record_id": record_id, "applicant": subject.name, "obligations_attested": True},
    ).json()
    for action in ("accept", "approve"):
        client.post(
            f"/api/v1/repairs/{applied['id']}/actions",
            headers=headers,
            json={"action": action, "reason": "已修复"},
        )
    assert check(client, headers, ACME)["results"][0]["advice"] == "clear"


def test_red_list_subject_is_incentivised(session: Session, client: TestClient) -> None:
    from helpers import AUTHORITY

    subject = org(session)
    save_record(
        session,
        get_catalog().item("red_list"),
        subject,
        {
            "HB_MC": subject.name,
            "HB_LB": "法人及非法人组织",
            "HB_SHXYM": subject.uscc,
            "HB_MDLX": "A级纳税人",
            "HB_RDWH": "示税信〔2026〕3号",
            "HB_RDYJ": "纳税信用管理办法",
            "HB_RDJG": "示范市税务局",
            "HB_RDJGDM": AUTHORITY,
            "HB_RDRQ": "2026-04-01",
            "HB_YXQZ": "2028-03-31",
            "HB_SJLY": "示范市税务局",
            "HB_SJLYDM": AUTHORITY,
        },
        department_id=None,
    )
    session.commit()
    headers = staff_headers(session, ["checks"])
    result = check(client, headers, subject.name, matter="AA")["results"][0]
    assert result["advice"] == "incentivise"
    assert {m["name"] for m in result["measures"]} >= {"优先办理、绿色通道", "容缺受理、简化程序"}


def test_inexact_name_gives_candidates_never_a_guess(session: Session, client: TestClient) -> None:
    org(session)
    headers = staff_headers(session, ["checks"])
    result = check(client, headers, "鸿泰贸易")["results"][0]
    assert result["advice"] == "note" and result["resolved"] is None
    assert [c["name"] for c in result["candidates"]] == ["示范市鸿泰贸易有限公司"]
    clear = check(client, headers, "示范市鸿泰贸易有限公司")["results"][0]
    assert clear["advice"] == "clear"


def test_checks_need_a_key_with_the_checks_scope(session: Session, client: TestClient) -> None:
    assert (
        client.post(
            "/api/v1/checks", json={"subjects": ["x"], "matter": "GP", "purpose": "p"}
        ).status_code
        == 401
    )
    headers = staff_headers(session, ["read"])
    assert (
        client.post(
            "/api/v1/checks",
            headers=headers,
            json={"subjects": ["x"], "matter": "GP", "purpose": "p"},
        ).status_code
        == 403
    )


def test_unknown_matter_is_refused(session: Session, client: TestClient) -> None:
    headers = staff_headers(session, ["checks"])
    refused = client.post(
        "/api/v1/checks", headers=headers, json={"subjects": [ACME], "matter": "ZZ", "purpose": "p"}
    )
    assert refused.status_code == 422 and "事项编码" in refused.json()["detail"]
    assert {m["code"] for m in client.get("/api/v1/matters").json()["items"]} >= {"GP", "AA"}


def test_measure_without_legal_basis_is_refused_at_load(tmp_path: Path) -> None:
    shutil.copy(HERE / "matters.yaml", tmp_path / "matters.yaml")
    text = (HERE / "measures.yaml").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines(keepends=True) if "出境入境管理法" in x)
    broken = text.replace(line, "")
    assert broken != text
    (tmp_path / "measures.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(MeasureError, match=r"P12（限制出境）.*法律依据"):
        load_measure_book(tmp_path)


def test_feedback_statistics_count_correctly(session: Session, client: TestClient) -> None:
    subject = org(session)
    black_list_entry(session, subject, "2029-12-31")
    headers = staff_headers(session, ["checks", "read"])
    first = check(client, headers, ACME)
    check(client, headers, ACME)
    check(client, headers, "914405127ELT6L0A9M")  # unknown: no hits
    record_id = first["results"][0]["hits"][0]["record_id"]
    tasks = client.post(
        "/api/v1/joint-tasks", headers=headers, json={"record_ids": [record_id]}
    ).json()
    assert tasks["total"] >= 5
    done = client.post(
        "/api/v1/feedback",
        headers=headers,
        json={
            "check_id": first["check_id"],
            "measure": "P01",
            "applied": True,
            "reason": "资格审查不予通过",
        },
    )
    assert done.status_code == 200, done.text
    task = tasks["tasks"][0]
    client.post(
        "/api/v1/feedback",
        headers=headers,
        json={
            "task_id": task["id"],
            "measure": task["measure"],
            "applied": False,
            "reason": "该主体本期未申请相关事项",
        },
    )
    stats = client.get("/api/v1/joint/statistics", headers=headers).json()["departments"]
    office = next(s for s in stats if s["department"] == "示范市发展和改革局")
    assert (office["checks"], office["checks_with_hits"], office["checks_with_feedback"]) == (
        3,
        2,
        1,
    )
    assert office["feedback_rate"] == 0.5
    implementer = next(s for s in stats if s["department"] == task["implementer"])
    assert implementer["done_tasks"] == 1


def test_bulk_check_runs_in_the_background(
    session: Session, client: TestClient, tmp_path: Path
) -> None:
    subject = org(session)
    black_list_entry(session, subject, "2029-12-31")
    headers = staff_headers(session, ["checks"])
    upload = tmp_path / "subjects.csv"
    upload.write_text("统一社会信用代码\n" + ACME + "\n914405127ELT6L0A9M\n", encoding="utf-8")
    with upload.open("rb") as handle:
        started = client.post(
            "/api/v1/checks/bulk",
            headers=headers,
            files={"file": ("subjects.csv", handle, "text/csv")},
            data={"matter": "GP", "purpose": "批量资格审查"},
        )
    assert started.status_code == 200, started.text
    status = {}
    for _ in range(50):
        status = client.get(started.json()["status"], headers=headers).json()
        if status["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["state"] == "done", status
    result = client.get(status["result_url"], headers=headers).content.decode("utf-8-sig")
    assert "restrict" in result and "clear" in result


def test_person_checks_never_store_or_echo_the_id_number(
    session: Session, client: TestClient
) -> None:
    from helpers import make_person_id, person
    from sqlalchemy import text

    resident_id = make_person_id(31)
    person(session, resident_id, "陈某某")
    session.commit()
    headers = staff_headers(session, ["checks"])
    answer = client.post(
        "/api/v1/checks",
        headers=headers,
        json={"subjects": [resident_id], "matter": "AQ", "purpose": "任职资格审查"},
    )
    assert answer.status_code == 200
    assert resident_id not in answer.text
    assert answer.json()["results"][0]["resolved"]["name"] == "陈某某"
    stored = " ".join(
        str(v) for row in session.execute(text("SELECT * FROM credit_checks")) for v in row
    )
    assert resident_id not in stored


def test_a_malformed_check_request_is_refused_naming_the_field(
    session: Session, client: TestClient
) -> None:
    headers = staff_headers(session, ["checks"])
    missing = client.post(
        "/api/v1/checks", headers=headers, json={"subjects": [ACME], "matter": "GP"}
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "purpose"]
    assert "字段“purpose”：缺少必填字段" in missing.json()["detail"][0]["msg"]
    not_a_list = client.post(
        "/api/v1/checks", headers=headers, json={"subjects": ACME, "matter": "GP", "purpose": "p"}
    )
    assert not_a_list.status_code == 422
    assert f'字段“subjects”：应为数组，收到 "{ACME}"' == not_a_list.json()["detail"][0]["msg"]
    broken = client.post(
        "/api/v1/checks",
        headers={**headers, "Content-Type": "application/json"},
        content=b'{"subjects": [',
    )
    assert broken.status_code == 422 and "不是有效的 JSON" in broken.json()["detail"][0]["msg"]
