"""Government integrity: a government body with overdue arrears is a dishonest government body
(gov_integrity D) and is restricted under a matter whose measures target such bodies; the
arrears view shows amounts, ages and settlement progress; civil servants' files follow the
privacy rules of natural persons."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import BUREAU, SUPPLIER, org, save_arrears, staff_headers
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.demo.identities import IdentityMaker
from xinyong.integrity.arrears import age_band, government_arrears
from xinyong.records.store import save_record
from xinyong.settings import reset_settings

ACTOR = Actor("cli:test")


def check(client: TestClient, headers: dict[str, str], code: str, matter: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/checks",
        headers=headers,
        json={"subjects": [code], "matter": matter, "purpose": "年度财政资金安排"},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["results"][0]
    return result


def _today(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    monkeypatch.setenv("XINYONG_TODAY", day)
    reset_settings()


def test_overdue_arrears_restrict_a_government_body_with_the_basis_cited(
    session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = org(session, BUREAU, "示范市某某局")
    assert body.kind == "government_body"
    headers = staff_headers(session, ["checks"])
    # Saved the day before its first overdue day: not yet overdue, still A.
    _today(monkeypatch, "2026-11-30")
    save_arrears(session, body, contract="HT-2026-001", overdue_from="2026-12-01", unpaid="500000")
    before = check(client, headers, body.uscc or "", "GF")
    assert {"model": "gov_integrity", "grade": "A"} in before["grades"]
    assert before["advice"] == "clear"
    # From the first overdue day on: the veto makes it a dishonest government body (D).
    _today(monkeypatch, "2026-12-01")
    from xinyong.evaluation.service import run_evaluation

    # No record changed: the daily cycle (`xinyong evaluation run`) finds it overdue.
    run_evaluation(session, ACTOR, date(2026, 12, 1), ["gov_integrity"])
    session.commit()
    after = check(client, headers, body.uscc or "", "GF")
    assert after["advice"] == "restrict"
    assert {"model": "gov_integrity", "grade": "D"} in after["grades"]
    codes = {m["code"]: m for m in after["measures"]}
    assert set(codes) == {"G01", "G02"}
    assert "《保障中小企业款项支付条例》（国务院令第728号）第八条" in codes["G01"]["legal_basis"]
    assert codes["G01"]["department"] == "财政局"
    assert "信用评价D级（gov_integrity）" in after["explanation"]
    # An enterprise is never graded by the government model, so never restricted by it.
    firm = org(session, SUPPLIER, "示范市鸿泰贸易有限公司")
    session.commit()
    assert check(client, headers, firm.uscc or "", "GF")["advice"] == "clear"
    # Settled: a new version of the same contract's record re-grades the body at once.
    save_arrears(
        session,
        body,
        contract="HT-2026-001",
        overdue_from="2026-12-01",
        unpaid="0",
        status="已清偿",
    )
    settled = check(client, headers, body.uscc or "", "GF")
    assert settled["advice"] == "clear"


def test_the_arrears_view_shows_amounts_ages_and_progress(session: Session) -> None:
    body = org(session, BUREAU, "示范市某某局")
    save_arrears(session, body, contract="HT-1", overdue_from="2026-09-02", unpaid="300000")
    save_arrears(session, body, contract="HT-2", overdue_from="2027-01-01", unpaid="800000")
    save_arrears(
        session, body, contract="HT-3", overdue_from="2026-06-01", unpaid="0", status="已清偿"
    )
    view = government_arrears(session, ACTOR, date(2026, 12, 1))
    first = view.arrears[0]
    assert (first.contract, first.days_overdue, first.band) == ("HT-1", 91, "逾期91至180日")
    assert first.progress == pytest.approx(0.625)
    assert [a.band for a in view.arrears[1:]] == ["未到期", "已清偿"]
    (total,) = view.bodies
    assert (total.contracts, total.open_contracts, total.overdue_contracts) == (3, 2, 1)
    assert (str(total.payable), str(total.unpaid), total.oldest_days) == ("2400000", "1100000", 91)
    assert view.bands == {"逾期91至180日": 300000, "未到期": 800000, "已清偿": 0}
    assert [
        a.contract
        for a in government_arrears(session, ACTOR, date(2026, 12, 1), open_only=True).arrears
    ] == ["HT-1", "HT-2"]


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (None, "未到期"),
        (1, "逾期30日以内"),
        (30, "逾期30日以内"),
        (31, "逾期31至90日"),
        (365, "逾期181日至1年"),
        (366, "逾期1年以上"),
    ],
)
def test_age_bands_at_their_boundaries(days: int | None, band: str) -> None:
    assert age_band(days) == band


def test_a_civil_servant_s_file_is_read_only_by_its_sharing_rule_with_a_purpose(
    session: Session, client: TestClient
) -> None:
    from helpers import make_person_id, person

    from xinyong.accounts.service import create_api_key, create_department
    from xinyong.audit.models import AuditEntry

    ids = IdentityMaker(random.Random(31))
    hr = create_department(session, ACTOR, ids.uscc("11", "440500"), "示范市人力资源和社会保障局")
    tax = create_department(session, ACTOR, ids.uscc("11", "440500"), "示范市税务局")
    resident = make_person_id(17)
    official = person(session, resident, "李公务")
    values = {
        "GW_XM": "李公务",
        "GW_ZJHM": resident,
        "GW_DW": "示范市某某局",
        "GW_DWDM": BUREAU,
        "GW_LX": "政务处分",
        "GW_SY": "违规干预招标投标活动",
        "GW_JDJG": "示范市纪委监委",
        "GW_JDWH": "示纪〔2026〕3号",
        "GW_JDRQ": "2026-06-01",
        "GW_YXQZ": "2027-06-01",
        "GW_SJLY": hr.name,
        "GW_SJLYDM": hr.uscc,
    }
    item = get_catalog().item("civil_servant_integrity")
    record = save_record(session, item, official, values, department_id=hr.id).record
    assert record.stored_values.count(resident) == 0  # the ID number is encrypted at rest
    own = {"X-API-Key": create_api_key(session, ACTOR, ["read"], hr).key}
    other = {"X-API-Key": create_api_key(session, ACTOR, ["read"], tax).key}
    session.commit()
    url = f"/api/v1/subjects/{resident}"
    assert client.get(url).status_code == 404  # the public never finds a person
    purpose = {"purpose": "干部任用前诚信审查"}
    seen = client.get(url, headers=own, params=purpose).json()
    assert [r["item"] for r in seen["records"]] == ["civil_servant_integrity"]
    hidden = client.get(url, headers=other, params=purpose).json()
    assert [r["item"] for r in hidden["records"]] == []
    session.expire_all()
    reads = session.query(AuditEntry).filter(AuditEntry.action == "person.read").all()
    assert reads and all(r.purpose == "干部任用前诚信审查" for r in reads)
