"""State transitions are idempotent under concurrent requests: of N requests that all saw the
same state (an objection accepted, a repair approved, a record published, a list entry
notified), one moves it and every other gets 409 with the state the first one made, in
Chinese; one workflow event is written, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from helpers import org, penalty_values, repair_commitment, save_penalty, staff_headers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.workflow import WorkflowEvent

CALLERS = 8
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _at_once(
    client: TestClient, url: str, headers: dict[str, str], body: dict[str, Any]
) -> list[Any]:
    """``CALLERS`` identical requests released together."""
    start = threading.Barrier(CALLERS)
    answers: list[Any] = []
    lock = threading.Lock()

    def call() -> None:
        start.wait()
        answer = client.post(url, headers=headers, json=body)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=call) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _one_wins(answers: list[Any]) -> None:
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {200: 1, 409: CALLERS - 1}, [(a.status_code, a.text) for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert CHINESE.search(answer.json()["detail"]), answer.text


def _events(session: Session, workflow: str, entity: str | int, state: str) -> int:
    session.expire_all()
    return session.execute(
        select(func.count())
        .select_from(WorkflowEvent)
        .where(
            WorkflowEvent.workflow == workflow,
            WorkflowEvent.entity_id == str(entity),
            WorkflowEvent.to_state == state,
        )
    ).scalar_one()


def _public_penalty(session: Session, number: str) -> tuple[Any, int]:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), number, fine_wan="0.2")
    record = save_penalty(session, subject, values).record
    session.commit()
    return subject, record.id


def test_an_objection_is_accepted_once(session: Session, client: TestClient) -> None:
    _, record_id = _public_penalty(session, "C-1")
    filed = client.post(
        "/api/v1/objections",
        json={
            "record_id": record_id,
            "filer_name": "张三",
            "grounds": "wrong_or_missing",
            "description": "金额有误",
        },
    ).json()
    headers = staff_headers(session, ["admin"])
    answers = _at_once(
        client, f"/api/v1/objections/{filed['id']}/actions", headers, {"action": "accept"}
    )
    _one_wins(answers)
    assert _events(session, "objection", filed["id"], "accepted") == 1


def test_a_repair_is_approved_once(session: Session, client: TestClient) -> None:
    subject, record_id = _public_penalty(session, "C-2")
    repair_commitment(session, subject)
    headers = staff_headers(session, ["admin"])
    applied = client.post(
        "/api/v1/repairs",
        json={"record_id": record_id, "applicant": subject.name, "obligations_attested": True},
    ).json()
    url = f"/api/v1/repairs/{applied['id']}/actions"
    assert client.post(url, headers=headers, json={"action": "accept"}).status_code == 200
    _one_wins(_at_once(client, url, headers, {"action": "approve", "reason": "符合修复条件"}))
    assert _events(session, "repair", applied["id"], "approved") == 1


def test_a_record_is_published_once(session: Session, client: TestClient) -> None:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 11, 18), "C-3", fine_wan="0.5")
    record = save_penalty(session, subject, values, published=False).record
    session.commit()
    headers = staff_headers(session, ["admin"])
    url = f"/api/v1/publications/{record.id}/actions"
    _one_wins(_at_once(client, url, headers, {"action": "publish"}))
    assert _events(session, "publication", record.record_key, "published") == 1


def test_a_list_entry_is_notified_once(session: Session, client: TestClient) -> None:
    subject = org(session)
    headers = staff_headers(session, ["admin"])
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
    ).json()
    url = f"/api/v1/list-recognitions/{proposed['id']}/actions"
    _one_wins(_at_once(client, url, headers, {"action": "notify"}))
    assert _events(session, "list_recognition", proposed["id"], "notified") == 1
