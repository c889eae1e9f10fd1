"""A record that is not public does not exist for anonymous users, anywhere: the portal's
objection and repair forms, their submissions and the API's filing routes answer for it as
for a record that does not exist; staff may still file on it."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from helpers import org, penalty_values, save_penalty, staff_headers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.objections.models import Objection
from xinyong.repair.models import RepairApplication

MISSING = 9_999_999


def _token(client: TestClient, record_id: int) -> str:
    page = client.get(f"/objections/new?record_id={record_id}")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_an_unpublished_record_cannot_be_named_by_the_public(
    session: Session, client: TestClient
) -> None:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), "H-1", fine_wan="0.2")
    hidden = save_penalty(session, subject, values, published=False).record
    values = penalty_values(subject, ["罚款"], date(2026, 5, 2), "S-1", fine_wan="0.2")
    shown = save_penalty(session, subject, values).record
    session.commit()
    token = _token(client, shown.id)
    objection = {"filer_name": "张三", "grounds": "wrong_or_missing", "description": "有误"}
    repair = {"applicant": "张三", "obligations_attested": True}
    answers = {}
    for record_id in (hidden.id, MISSING):
        answers[record_id] = [
            client.get(f"/objections/new?record_id={record_id}"),
            client.get(f"/repairs/new?record_id={record_id}"),
            client.post(
                "/objections", data={**objection, "record_id": record_id, "csrf_token": token}
            ),
            client.post("/repairs", data={**repair, "record_id": record_id, "csrf_token": token}),
            client.post("/api/v1/objections", json={**objection, "record_id": record_id}),
            client.post("/api/v1/repairs", json={**repair, "record_id": record_id}),
        ]
    for hidden_answer, missing_answer in zip(answers[hidden.id], answers[MISSING], strict=True):
        assert hidden_answer.status_code in (404, 422), hidden_answer.text
        assert hidden_answer.status_code == missing_answer.status_code
        assert hidden_answer.text.replace(f"记录 {hidden.id} ", "记录 N ") == (
            missing_answer.text.replace(f"记录 {MISSING} ", "记录 N ")
        )
    assert "不存在" in answers[hidden.id][4].json()["detail"]
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Objection)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(RepairApplication)).scalar_one() == 0
    # the credit office may file on it
    office = staff_headers(session, ["admin"])
    filed = client.post(
        "/api/v1/objections", headers=office, json={**objection, "record_id": hidden.id}
    )
    assert filed.status_code == 200, filed.text
