"""The exchange and government arrears through the API: the credit office builds and answers,
a department sees and resubmits only its own rejected rows."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import BUREAU, org, save_arrears, staff_headers
from sqlalchemy.orm import Session
from test_upward import FRIDAY, _recognised

from xinyong.accounts.models import Department
from xinyong.accounts.service import create_api_key, create_department
from xinyong.audit.log import Actor
from xinyong.demo.identities import IdentityMaker
from xinyong.settings import reset_settings

ACTOR = Actor("cli:test")
_MAKER = IdentityMaker(random.Random(41))
OFFICE_USCC, OTHER_USCC = _MAKER.uscc("11", "440500"), _MAKER.uscc("11", "440500")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    reset_settings()
    return tmp_path


def test_build_answer_and_resubmit_through_the_api(
    session: Session, client: TestClient, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = _recognised(session, FRIDAY)
    monkeypatch.setenv("XINYONG_TODAY", "2026-02-24")
    reset_settings()
    credit_office = create_department(
        session, ACTOR, OFFICE_USCC, "示范市发展和改革局", is_credit_office=True
    )
    office = {"X-API-Key": create_api_key(session, ACTOR, ["admin"], credit_office).key}
    session.commit()
    built = client.post("/api/v1/exchange/packages", headers=office, json={"target": "nation"})
    assert built.status_code == 200, built.text
    number = built.json()["package"]["number"]
    assert built.json()["sent"] == [{"number": number, "delivered": True, "error": None}]
    receipt = f"包编号,行号,结果,原因\n{number},1,退回,认定依据缺少条款\n"
    answered = client.post("/api/v1/exchange/receipts", headers=office, json={"text": receipt})
    assert answered.status_code == 200 and answered.json()["rejected_lines"] == [1]
    bad = client.post("/api/v1/exchange/receipts", headers=office, json={"text": "包编号,行号\n"})
    assert bad.status_code == 422 and "回执缺少列：结果" in bad.json()["detail"]
    empty = client.post("/api/v1/exchange/receipts", headers=office, json={"text": receipt[:12]})
    assert empty.status_code == 422 and "回执没有数据行" in empty.json()["detail"]

    tax = session.get(Department, entry.department_id)
    other = create_department(session, ACTOR, OTHER_USCC, "示范市生态环境局")
    own_key = {"X-API-Key": create_api_key(session, ACTOR, ["ingest"], tax).key}
    other_key = {"X-API-Key": create_api_key(session, ACTOR, ["ingest"], other).key}
    session.commit()
    mine = client.get("/api/v1/exchange/queue", headers=own_key).json()
    assert [(r["reason"], r["due"]) for r in mine["items"]] == [("认定依据缺少条款", "2026-03-05")]
    assert client.get("/api/v1/exchange/queue", headers=other_key).json()["total"] == 0
    row = mine["items"][0]["id"]
    url = f"/api/v1/exchange/rows/{row}/resubmit"
    refused = client.post(url, headers=other_key, json={"note": "已补充"})
    assert refused.status_code == 403 and "其他部门" in refused.json()["detail"]
    done = client.post(url, headers=own_key, json={"note": "已补充第二十条"})
    assert done.status_code == 200 and done.json()["state"] == "resubmitted"
    again = client.post(url, headers=own_key, json={"note": "再次"})
    assert again.status_code == 422 and "只有被退回的可重新提交" in again.json()["detail"]
    # Resubmitted: pending again for the nation, never sent to the province; sharing with
    # partner cities has no deadline.
    late = client.get("/api/v1/exchange/overdue", headers=office, params={"as_of": "2026-03-06"})
    assert sorted((r["target"], r["state"]) for r in late.json()["items"]) == [
        ("nation", "pending"),
        ("province", "pending"),
    ]


def test_government_arrears_through_the_api(session: Session, client: TestClient) -> None:
    body = org(session, BUREAU, "示范市某某局")
    save_arrears(session, body, contract="HT-5", overdue_from="2026-01-01", unpaid="800000")
    assert client.get("/api/v1/government/arrears").status_code == 401
    shown = client.get("/api/v1/government/arrears", headers=staff_headers(session, ["read"]))
    assert shown.status_code == 200, shown.text
    (total,) = shown.json()["bodies"]
    assert (total["body"], total["unpaid"], total["progress"]) == ("示范市某某局", "800000", 0.0)
