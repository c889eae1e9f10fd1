"""Government integrity: a government body with overdue arrears is a dishonest government body
(gov_integrity D) and is restricted under a matter whose measures target such bodies; the
arrears view shows amounts, ages and settlement progress."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import BUREAU, SUPPLIER, org, save_arrears, staff_headers
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.integrity.arrears import age_band, government_arrears
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
