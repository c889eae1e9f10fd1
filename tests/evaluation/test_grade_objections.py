"""An objection may target a grade, naming the indicator it disputes: filed by the subject on
the portal or through the API, validated against the model, shown as disputed while open, and
re-graded when corrected."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from helpers import org, penalty_values, save_penalty, staff_headers, workbench_login
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.objections.models import Objection
from xinyong.records.models import Record

URL = "/api/v1/subjects/{code}/evaluation/objections"


def _objection(**overrides: Any) -> dict[str, Any]:
    body = {
        "model": "general_enterprise",
        "indicator": "penalty_general",
        "filer_name": "示范市鸿泰贸易有限公司",
        "filer_kind": "subject",
        "grounds": "wrong_score",
        "description": "该处罚已被撤销，不应扣分",
    }
    return body | overrides


def _graded(session: Session) -> str:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), "示市监罚〔2026〕8号", "0.2")
    save_penalty(session, subject, values)
    session.commit()
    return subject.uscc or ""


def test_a_grade_objection_names_a_known_indicator(session: Session, client: TestClient) -> None:
    code = _graded(session)
    wrong = client.post(URL.format(code=code), json=_objection(indicator="no_such_item"))
    assert wrong.status_code == 422
    assert "no_such_item" in wrong.json()["detail"] and "penalty_general" in wrong.json()["detail"]
    unknown = client.post(URL.format(code="91440500MA4UXXXX0X"), json=_objection())
    assert unknown.status_code == 404
    bad_model = client.post(URL.format(code=code), json=_objection(model="no_model"))
    assert bad_model.status_code == 404 and "no_model" in bad_model.json()["detail"]
    assert session.execute(select(Objection)).first() is None  # nothing was filed

    filed = client.post(URL.format(code=code), json=_objection())
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert (body["model"], body["indicator"], body["state"]) == (
        "general_enterprise",
        "penalty_general",
        "submitted",
    )
    track = client.get(f"/api/v1/objections/track/{body['tracking_code']}")
    assert track.status_code == 200 and track.json()["indicator"] == "penalty_general"


def test_an_accepted_grade_objection_marks_the_grade_disputed_until_decided(
    session: Session, client: TestClient
) -> None:
    code = _graded(session)
    headers = staff_headers(session, ["read", "admin"])
    evaluation = f"/api/v1/subjects/{code}/evaluation"
    assert client.get(evaluation).json()["disputed"] is False
    created = client.post(URL.format(code=code), json=_objection()).json()
    found = session.execute(select(Objection)).scalar_one()
    assert found.record_id is None and found.model_code == "general_enterprise"
    # Submitted is not yet disputed: only the credit office's acceptance marks it.
    assert client.get(evaluation).json()["disputed"] is False
    actions = f"/api/v1/objections/{found.id}/actions"
    assert client.post(actions, json={"action": "accept"}, headers=headers).status_code == 200
    assert client.get(evaluation).json()["disputed"] is True
    page = client.get(f"/subjects/{code}")
    assert "异议处理中" in page.text and "对评价结果提出异议" in page.text

    # A grade objection cannot stop a publication; correcting it re-grades instead.
    stop = {
        "action": "decide",
        "outcome": "corrected",
        "reason": "已核实",
        "stop_publication": True,
    }
    refused = client.post(actions, json=stop, headers=headers)
    assert refused.status_code == 409 and "重新评价" in refused.json()["detail"]
    decided = client.post(actions, json=stop | {"stop_publication": False}, headers=headers).json()
    assert decided["state"] == "corrected"
    after = client.get(evaluation).json()
    assert after["disputed"] is False and after["grade"] == "B"
    assert (
        client.get(f"/api/v1/objections/track/{created['tracking_code']}").json()["state"]
        == "corrected"
    )


def test_the_portal_shows_the_public_grade_and_takes_a_grade_objection(
    session: Session, client: TestClient
) -> None:
    code = _graded(session)
    page = client.get(f"/subjects/{code}")
    assert page.status_code == 200
    assert "信用评价" in page.text and "B级" in page.text
    form = client.get("/objections/grade", params={"code": code, "model": "general_enterprise"})
    assert form.status_code == 200 and "一般行政处罚" in form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    fields = {
        "csrf_token": token.group(1),
        "code": code,
        "model": "general_enterprise",
        "indicator": "penalty_general",
        "filer_name": "示范市鸿泰贸易有限公司",
        "filer_kind": "subject",
        "grounds": "wrong_score",
        "description": "",
    }
    empty = client.post("/objections/grade", data=fields)
    assert empty.status_code == 422 and "请填写提出人姓名和异议说明" in empty.text
    done = client.post("/objections/grade", data=fields | {"description": "处罚已撤销"})
    assert done.status_code == 200 and "受理编号" in done.text
    filed = session.execute(select(Objection)).scalar_one()
    assert (filed.indicator, filed.filer_kind) == ("penalty_general", "subject")
    missing = client.get("/objections/grade", params={"code": "000", "model": "general_enterprise"})
    assert missing.status_code == 404


def test_staff_see_score_explanation_and_history_in_the_workbench(
    session: Session, client: TestClient
) -> None:
    code = _graded(session)
    penalty = session.execute(select(Record.id).where(Record.item == "admin_penalty")).scalar_one()
    workbench_login(client, session, "reviewer")
    page = client.get("/workbench/evaluation", params={"code": code})
    assert page.status_code == 200
    text = page.text
    assert "企业公共信用综合评价" in text and "B级" in text and "760.00" in text
    assert "一般行政处罚" in text and str(penalty) in text and "首次评价" in text
    unknown = client.get("/workbench/evaluation", params={"code": "91440500MA4UXXXX0X"})
    assert unknown.status_code == 200 and "未找到" in unknown.text
