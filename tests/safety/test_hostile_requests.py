"""Requests a careless or hostile caller sends get a clear 4xx with the reason in Chinese,
never a server error: bodies that are not JSON or not UTF-8, an empty push, upload names that
name no file, bodies over the size limit, and integers beyond 64 bits (or below their range)
in every id, offset and page parameter."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from helpers import staff_headers
from ingesting import ITEM, upload
from penalty_files import HEADERS
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_user, open_session
from xinyong.audit.log import Actor
from xinyong.ingest.models import Batch
from xinyong.settings import reset_settings

CHINESE = re.compile(r"[\u4e00-\u9fff]")
HUGE = "9" * 30
BEYOND = str(2**63)


def _no_batch(session: Session) -> None:
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Batch)).scalar_one() == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"rows": [{"名称": "鸿泰"}]}'.encode("gbk"), "不是有效的 UTF-8 JSON"),
        (b"{not json", "不是有效的 UTF-8 JSON"),
        (b"[" * 100_000, "不是有效的 UTF-8 JSON"),
        (b'{"rows": []}', "rows 为空"),
        (b'{"rows": {"a": 1}}', '请求体应为 {"rows"'),
    ],
    ids=["gbk", "not-json", "deep", "empty", "not-a-list"],
)
def test_bad_push_bodies_are_refused_in_chinese(
    client: TestClient,
    ingest_key: dict[str, str],
    session: Session,
    body: bytes,
    reason: str,
) -> None:
    headers = ingest_key | {"Content-Type": "application/json"}
    answer = client.post(f"/api/v1/ingest/{ITEM}", headers=headers, content=body)
    assert answer.status_code == 422, answer.text
    assert reason in answer.json()["detail"]
    _no_batch(session)


@pytest.mark.parametrize("name", ["..", ".", "/", "../", "a/.."])
def test_upload_names_that_name_no_file_are_refused(
    client: TestClient, ingest_key: dict[str, str], session: Session, name: str
) -> None:
    content = ",".join(HEADERS).encode() + b"\n"
    answer = upload(client, ingest_key, name, content)
    assert answer.status_code == 422, answer.text
    assert "上传的文件名" in answer.json()["detail"] and "无效" in answer.json()["detail"]
    _no_batch(session)


def test_a_path_in_the_upload_name_is_dropped(
    client: TestClient, ingest_key: dict[str, str], session: Session
) -> None:
    content = ",".join(HEADERS).encode() + b"\n"
    answer = upload(client, ingest_key, "../../etc/处罚.exe", content)
    assert answer.status_code == 422 and "不支持的文件类型“.exe”" in answer.json()["detail"]


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(
    client: TestClient,
    ingest_key: dict[str, str],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XINYONG_INGEST_MAX_FILE_MB", "1")
    reset_settings()
    content = ",".join(HEADERS).encode() + b"\n" + b"x" * (2 << 20)
    answer = upload(client, ingest_key, "big.csv", content)
    assert answer.status_code == 413, answer.text
    detail = answer.json()["detail"]
    assert "超过上限 1.0 MB（XINYONG_INGEST_MAX_FILE_MB）" in detail
    _no_batch(session)


ROUTES = [
    # (method, path, json body, who): who is "anonymous", "admin" (key) or "staff" (session)
    ("GET", "/api/v1/ingest/batches/{n}/rejected", None, "admin"),
    ("POST", "/api/v1/objections/{n}/actions", {"action": "accept"}, "admin"),
    ("POST", "/api/v1/repairs/{n}/actions", {"action": "approve"}, "admin"),
    ("POST", "/api/v1/publications/{n}/actions", {"action": "publish"}, "admin"),
    ("POST", "/api/v1/list-recognitions/{n}/actions", {"action": "publish"}, "admin"),
    (
        "POST",
        "/api/v1/commitments/{n}/breach",
        {"unfulfilled": "未履行", "liability": "记入失信"},
        "admin",
    ),
    ("GET", "/api/v1/subjects?q=鸿泰&offset={n}", None, "anonymous"),
    ("GET", "/api/v1/lists/black_list?offset={n}", None, "anonymous"),
    ("GET", "/api/v1/lists/black_list?limit={n}", None, "anonymous"),
    ("GET", "/api/v1/commitments?limit={n}", None, "anonymous"),
    (
        "POST",
        "/api/v1/objections",
        {"record_id": "{n}", "filer_name": "张三", "grounds": "信息有误", "description": "x"},
        "anonymous",
    ),
    (
        "POST",
        "/api/v1/repairs",
        {"record_id": "{n}", "applicant": "张三", "obligations_attested": True},
        "anonymous",
    ),
    (
        "POST",
        "/api/v1/feedback",
        {"task_id": "{n}", "result": "已实施", "measure": "限制", "note": "x"},
        "admin",
    ),
    ("GET", "/objections/new?record_id={n}", None, "anonymous"),
    ("GET", "/repairs/new?record_id={n}", None, "anonymous"),
    ("GET", "/publicity?page={n}", None, "anonymous"),
    ("GET", "/publicity?department={n}", None, "anonymous"),
    ("GET", "/lists/black_list?page={n}", None, "anonymous"),
    ("GET", "/news/{n}", None, "anonymous"),
    ("GET", "/workbench/batches/{n}/rejected", None, "staff"),
    ("POST", "/workbench/objections/{n}", None, "staff"),
    ("POST", "/workbench/repairs/{n}", None, "staff"),
    ("POST", "/workbench/publications/{n}", None, "staff"),
    ("POST", "/workbench/lists/{n}", None, "staff"),
    ("POST", "/workbench/joint/{n}", None, "staff"),
    ("POST", "/workbench/conflicts/{n}", None, "staff"),
]


@pytest.fixture
def callers(session: Session) -> dict[str, dict[str, dict[str, str]]]:
    admin = staff_headers(session, ["admin"])
    user = create_user(session, Actor("cli:test"), "chief", "xinyong-test-pass", "admin")
    token = open_session(session, user, "127.0.0.1")
    session.commit()
    return {
        "anonymous": {"headers": {}, "cookies": {}},
        "admin": {"headers": admin, "cookies": {}},
        "staff": {"headers": {}, "cookies": {"xinyong_session": token}},
    }


@pytest.mark.parametrize("number", [HUGE, BEYOND, "-1"], ids=["30-digits", "2**63", "minus-1"])
def test_out_of_range_integers_are_422_in_chinese(
    client: TestClient,
    callers: dict[str, dict[str, dict[str, str]]],
    number: str,
) -> None:
    failures = []
    for method, path, body, who in ROUTES:
        if number == "-1" and "offset" not in path and "{n}/" not in path and "id" not in path:
            continue
        url = path.replace("{n}", number)
        if body is not None:
            body = {k: (number if v == "{n}" else v) for k, v in body.items()}
        client.cookies.clear()
        for name, value in callers[who]["cookies"].items():
            client.cookies.set(name, value)
        answer = client.request(
            method,
            url,
            headers=callers[who]["headers"],
            json=body,
            data=None if body is not None or method == "GET" else {"action": "accept"},
        )
        text = answer.text
        if answer.status_code != 422 or number[:20] not in text or not CHINESE.search(text):
            failures.append(f"{method} {url}: {answer.status_code} {text[:200]}")
    assert not failures, "\n".join(failures)
