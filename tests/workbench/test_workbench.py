from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from helpers import org, penalty_values, save_penalty
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_user
from xinyong.audit.log import Actor


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def login(client: TestClient, session: Session, role: str) -> None:
    create_user(session, Actor("cli:test"), role, "long-enough-1", role, f"测试{role}")
    session.commit()
    form = client.get("/workbench/login").text
    done = client.post(
        "/workbench/login",
        data={"username": role, "password": "long-enough-1", "csrf_token": token(form)},
    )
    assert done.status_code == 200 and "待办事项" in done.text


def test_pages_need_a_login(client: TestClient) -> None:
    response = client.get("/workbench/publications")
    assert response.url.path == "/workbench/login"


def test_wrong_password_is_refused_in_chinese(session: Session, client: TestClient) -> None:
    create_user(session, Actor("cli:test"), "li", "long-enough-1", "reviewer")
    session.commit()
    form = client.get("/workbench/login").text
    refused = client.post(
        "/workbench/login", data={"username": "li", "password": "nope", "csrf_token": token(form)}
    )
    assert refused.status_code == 401 and "不正确" in refused.text


def test_reviewer_approves_and_the_record_goes_public(session: Session, client: TestClient) -> None:
    subject = org(session)
    record = save_penalty(
        session,
        subject,
        penalty_values(
            subject, ["罚款"], date(2026, 11, 18), "示市监罚〔2026〕501号", fine_wan="0.5"
        ),
        published=False,
    ).record
    record.publication_state = "requested"
    session.commit()
    assert "示市监罚〔2026〕501号" not in client.get(f"/subjects/{subject.uscc}").text
    login(client, session, "reviewer")
    queue = client.get("/workbench/publications").text
    assert "示市监罚〔2026〕501号" in queue
    client.post(
        f"/workbench/publications/{record.id}",
        data={"action": "approve", "csrf_token": token(queue)},
    )
    assert "示市监罚〔2026〕501号" not in client.get("/workbench/publications").text
    assert "示市监罚〔2026〕501号" in client.get(f"/subjects/{subject.uscc}").text


def test_audit_log_is_for_auditors_only(session: Session, client: TestClient) -> None:
    login(client, session, "reviewer")
    assert client.get("/workbench/audit").status_code == 403


def test_auditor_sees_the_chain_status(session: Session, client: TestClient) -> None:
    login(client, session, "auditor")
    page = client.get("/workbench/audit").text
    assert "哈希链完整" in page and "session.open" in page


def test_upload_shows_the_batch_result(
    session: Session, client: TestClient, tmp_path: Path
) -> None:
    from penalty_files import good_row, write_csv

    login(client, session, "admin")
    path = write_csv(tmp_path / "p.csv", [good_row(0), good_row(1, 处罚决定日期="2026-02-30")])
    form = client.get("/workbench/upload").text
    with path.open("rb") as handle:
        result = client.post(
            "/workbench/upload",
            data={"item": "admin_penalty", "csrf_token": token(form)},
            files={"file": ("p.csv", handle, "text/csv")},
        )
    assert result.status_code == 200
    assert "接收1行" in result.text and "退回1行" in result.text
    link = re.search(r'href="(/workbench/batches/\d+/rejected)"', result.text).group(1)  # type: ignore[union-attr]
    download = client.get(link)
    assert download.status_code == 200 and "错误说明" in download.content.decode("utf-8-sig")


def test_credit_office_publishes_a_policy_article(session: Session, client: TestClient) -> None:
    login(client, session, "admin")
    form = client.get("/workbench/articles").text
    saved = client.post(
        "/workbench/articles",
        data={
            "kind": "policy",
            "title": "关于推进信用修复工作的通知",
            "body": "第一段：适用范围。\n\n第二段：办理程序。",
            "publish": "yes",
            "csrf_token": token(form),
        },
    )
    assert saved.status_code == 200
    listed = client.get("/news?kind=policy").text
    assert "关于推进信用修复工作的通知" in listed
    article = re.search(r'href="/news/(\d+)"', listed).group(1)  # type: ignore[union-attr]
    body = client.get(f"/news/{article}").text
    assert "<p>第二段：办理程序。</p>" in body
    empty = client.post(
        "/workbench/articles",
        data={"kind": "news", "title": " ", "body": "x", "csrf_token": token(form)},
    )
    assert empty.status_code == 422 and "不能为空" in empty.text


def test_articles_editor_is_for_the_credit_office(session: Session, client: TestClient) -> None:
    login(client, session, "reviewer")
    assert client.get("/workbench/articles").status_code == 403


def test_list_recognition_and_joint_tasks_from_the_workbench(
    session: Session, client: TestClient, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from helpers import AUTHORITY
    from sqlalchemy import select

    from xinyong.accounts.service import create_department
    from xinyong.lists.models import ListRecognition
    from xinyong.settings import reset_settings

    create_department(
        session, Actor("cli:test"), AUTHORITY, "示范市发展和改革局", is_credit_office=True
    )
    subject = org(session)
    login(client, session, "admin")
    page = client.get("/workbench/lists").text
    client.post(
        "/workbench/lists",
        data={
            "list_code": "black_list",
            "subtype": "重大税收违法失信主体",
            "subject": subject.uscc,
            "reasons": "虚开发票",
            "basis": "《重大税收违法失信主体信息公布管理办法》",
            "csrf_token": token(page),
        },
    )
    entry = session.execute(select(ListRecognition)).scalar_one()
    client.post(
        f"/workbench/lists/{entry.id}", data={"action": "notify", "csrf_token": token(page)}
    )
    early = client.post(
        f"/workbench/lists/{entry.id}",
        data={
            "action": "decide",
            "decision_number": "示税失信〔2026〕8号",
            "valid_until": "2029-12-31",
            "csrf_token": token(page),
        },
    )
    assert early.status_code == 409 and "陈述申辩期" in early.text
    monkeypatch.setenv("XINYONG_TODAY", "2026-12-01")
    reset_settings()
    client.post(
        f"/workbench/lists/{entry.id}",
        data={
            "action": "decide",
            "decision_number": "示税失信〔2026〕8号",
            "valid_until": "2029-12-31",
            "csrf_token": token(page),
        },
    )
    listed = client.get("/workbench/lists").text
    assert "已决定列入" in listed and "2026-12-15" in listed
    assert subject.name in client.get("/lists/black_list").text
    joint = client.get("/workbench/joint").text
    assert "联合奖惩任务与反馈" in joint


def test_reviewer_approves_a_repair_from_the_queue(session: Session, client: TestClient) -> None:
    from helpers import repair_commitment

    subject = org(session)
    record = save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 5, 1), "示市监罚〔2026〕61号", fine_wan="0.2"),
    ).record
    repair_commitment(session, subject)
    session.commit()
    applied = client.post(
        "/api/v1/repairs",
        json={"record_id": record.id, "applicant": subject.name, "obligations_attested": True},
    ).json()
    login(client, session, "reviewer")
    queue = client.get("/workbench/repairs").text
    assert applied["tracking_code"] in queue and "✓" in queue
    for action in ("accept", "approve"):
        client.post(
            f"/workbench/repairs/{applied['id']}",
            data={"action": action, "csrf_token": token(queue)},
        )
    assert "示市监罚〔2026〕61号" not in client.get(f"/subjects/{subject.uscc}").text


def test_clerk_confirms_a_rename_from_the_conflict_queue(
    session: Session, client: TestClient, tmp_path: Path
) -> None:
    from penalty_files import COMPANIES, good_row, write_csv

    from xinyong.ingest.pipeline import ingest_file
    from xinyong.subjects.service import find_subject, name_history

    for n, name in ((0, None), (1, "示范市新名称贸易有限公司")):
        row = good_row(n, company=0, **({"行政相对人名称": name} if name else {}))
        ingest_file(
            session,
            "admin_penalty",
            write_csv(tmp_path / f"{n}.csv", [row]),
            actor=Actor("cli:test"),
            today=date(2026, 11, 22),
        )
        session.commit()
    login(client, session, "reviewer")
    queue = client.get("/workbench/conflicts").text
    assert "示范市新名称贸易有限公司" in queue
    case = re.search(r'action="/workbench/conflicts/(\d+)"', queue).group(1)  # type: ignore[union-attr]
    client.post(
        f"/workbench/conflicts/{case}",
        data={"resolution": "rename", "note": "已核实", "csrf_token": token(queue)},
    )
    session.expire_all()
    subject = find_subject(session, COMPANIES[0][0])
    assert subject is not None and subject.name == "示范市新名称贸易有限公司"
    assert len(name_history(session, subject)) == 2
    assert "没有待核实的重错码" in client.get("/workbench/conflicts").text


def test_a_flagged_row_is_listed_by_number_and_reason(
    session: Session, client: TestClient, tmp_path: Path
) -> None:
    """A 150万 fine sent as 10万: accepted, but the clerk sees which row and why."""
    from penalty_files import good_row, write_csv

    login(client, session, "admin")
    flagged = good_row(2, 处罚内容="罚款人民币150万元", **{"罚款金额（万元）": "10"})
    path = write_csv(tmp_path / "p.csv", [good_row(0), good_row(1), flagged])
    form = client.get("/workbench/upload").text
    with path.open("rb") as handle:
        result = client.post(
            "/workbench/upload",
            data={"item": "admin_penalty", "csrf_token": token(form)},
            files={"file": ("p.csv", handle, "text/csv")},
        )
    assert result.status_code == 200 and "接收3行" in result.text
    table = re.search(r'<table id="flagged-rows">(.*?)</table>', result.text, re.S)
    assert table is not None
    assert "<td>4</td>" in table.group(1)  # the file's line 4 (the header is line 1)
    assert "金额100000元与处罚内容中的1500000元不一致" in table.group(1)
