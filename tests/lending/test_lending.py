"""信易贷 and own pages through HTTP: sign-in with TOTP, authorisation, a bank's reads within
and outside it, revocation, the reads on the enterprise's page, the bank's answers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from helpers import csrf_token
from lending_city import PASSWORD, TOTP_SECRET, LendingCity, lending_city
from sqlalchemy.orm import Session

from xinyong.api import deps
from xinyong.settings import reset_settings


@pytest.fixture
def city(session: Session) -> LendingCity:
    deps.forget_keys()
    return lending_city(session)


def sign_in_enterprise(client: TestClient, city: LendingCity, code: str | None = None) -> Any:
    form = client.get("/me/login").text
    return client.post(
        "/me/login",
        data={
            "kind": "enterprise",
            "uscc": city.uscc,
            "representative_id": city.representative_id,
            "password": PASSWORD,
            "code": code or pyotp.TOTP(TOTP_SECRET).now(),
            "csrf_token": csrf_token(form),
        },
        follow_redirects=False,
    )


def _on(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    monkeypatch.setenv("XINYONG_TODAY", day)
    reset_settings()


def apply(client: TestClient, city: LendingCity, items: list[str], days: int = 30) -> Any:
    form = client.get("/me/loans/new", params={"product_id": city.product_id}).text
    return client.post(
        "/me/loans",
        data={
            "product_id": city.product_id,
            "amount_wan": "100",
            "term_months": 12,
            "purpose": "采购原材料",
            "items": items,
            "days": days,
            "csrf_token": csrf_token(form),
        },
    )


def test_enterprise_authorises_two_items_the_bank_reads_them_until_revoked(
    client: TestClient, city: LendingCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = sign_in_enterprise(client, city, code="000000")
    assert wrong.status_code == 401 and "动态验证码" in wrong.text
    signed = sign_in_enterprise(client, city)
    assert signed.status_code == 303 and signed.headers["location"] == "/me"
    page = client.get("/me").text
    assert "示市监罚〔2026〕11号" in page and "示市监罚〔2026〕13号" in page  # also not public
    done = apply(client, city, ["admin_penalty", "tax_credit_grade"])
    assert done.status_code == 200 and "贷款申请已提交" in done.text
    listed = client.get("/api/v1/loan-applications", headers=city.bank_key).json()
    assert [a["state"] for a in listed] == ["submitted"] and listed[0]["due_date"] == "2026-11-25"
    grant = listed[0]["authorisation_id"]
    url = f"/api/v1/authorisations/{grant}/records"
    penalties = client.get(f"{url}/admin_penalty", headers=city.bank_key)
    assert penalties.status_code == 200
    assert {r["fields"]["CF_WSH"] for r in penalties.json()["records"]} == {
        "示市监罚〔2026〕11号",
        "示市监罚〔2026〕13号",
    }
    assert client.get(f"{url}/tax_credit_grade", headers=city.bank_key).status_code == 200
    third = client.get(f"{url}/admin_license", headers=city.bank_key)
    assert third.status_code == 403 and "不含目录项" in third.json()["detail"]
    other = client.get(f"{url}/admin_penalty", headers=city.other_bank_key)
    assert other.status_code == 404  # not given to that bank
    # The 30th day is the last one.
    _on(monkeypatch, "2026-12-21")
    assert client.get(f"{url}/admin_penalty", headers=city.bank_key).status_code == 200
    _on(monkeypatch, "2026-12-22")
    late = client.get(f"{url}/admin_penalty", headers=city.bank_key)
    assert late.status_code == 403 and "有效期" in late.json()["detail"]
    _on(monkeypatch, "2026-11-23")
    page = client.get("/me").text
    revoked = client.post(
        f"/me/authorisations/{grant}/revoke", data={"csrf_token": csrf_token(page)}
    )
    assert revoked.status_code == 200 and "已撤销" in revoked.text
    after = client.get(f"{url}/admin_penalty", headers=city.bank_key)
    assert after.status_code == 403 and "撤销" in after.json()["detail"]
    page = client.get("/me").text
    assert page.count("经授权查询") == 3  # two reads on 11-22, one on 12-21; no refused one
    assert "纳税信用等级信息" in page and "行政处罚信息" in page
    assert "示范市农商银行" in page and "申请贷款：小微信用贷" in page


def test_a_totp_code_is_accepted_once(client: TestClient, city: LendingCity) -> None:
    code = pyotp.TOTP(TOTP_SECRET).now()
    assert sign_in_enterprise(client, city, code).status_code == 303
    client.cookies.clear()
    again = sign_in_enterprise(client, city, code)
    assert again.status_code == 401


def test_the_bank_accepts_runs_its_dual_check_and_reports_the_loan(
    client: TestClient, city: LendingCity
) -> None:
    sign_in_enterprise(client, city)
    apply(client, city, ["admin_penalty"])
    [application] = client.get("/api/v1/loan-applications", headers=city.bank_key).json()
    actions = f"/api/v1/loan-applications/{application['id']}/actions"
    bad = client.post(actions, json={"action": "decline", "reason": "X1"}, headers=city.bank_key)
    assert bad.status_code == 422 and "X1" in bad.json()["detail"]
    accepted = client.post(actions, json={"action": "accept"}, headers=city.bank_key)
    assert accepted.json()["state"] == "accepted"
    check = client.post(
        f"/api/v1/loan-applications/{application['id']}/check", headers=city.bank_key
    )
    assert check.status_code == 200 and check.json()["results"][0]["advice"]
    granted = client.post(
        actions,
        json={
            "action": "grant",
            "amount_wan": "80",
            "rate": "3.65",
            "term_months": 12,
            "guarantee": "credit",
            "granted_on": "2026-11-22",
        },
        headers=city.bank_key,
    ).json()
    assert granted["state"] == "granted" and granted["result"]["amount_wan"] == "80.00"
    assert granted["check_id"] == check.json()["check_id"]
    refused = client.post(actions, json={"action": "accept"}, headers=city.other_bank_key)
    assert refused.status_code == 403
    page = client.get("/me").text
    assert "已获贷" in page and "贷前双查询" in page


def test_a_citizen_sees_its_own_records_and_the_staff_reads_of_them(
    client: TestClient, city: LendingCity, session: Session
) -> None:
    from helpers import staff_headers

    headers = staff_headers(session, ["read"])
    read = client.get(
        f"/api/v1/subjects/{city.resident_id}", params={"purpose": "行政许可审查"}, headers=headers
    )
    assert read.status_code == 200
    form = client.get("/me/login", params={"kind": "citizen"}).text
    wrong = client.post(
        "/me/login",
        data={
            "kind": "citizen",
            "resident_id": city.resident_id,
            "password": "nope-nope",
            "csrf_token": csrf_token(form),
        },
    )
    assert wrong.status_code == 401
    signed = client.post(
        "/me/login",
        data={
            "kind": "citizen",
            "resident_id": city.resident_id,
            "password": PASSWORD,
            "csrf_token": csrf_token(form),
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303
    page = client.get("/me").text
    assert "示市监罚〔2026〕21号" in page  # not public
    assert city.resident_id not in page  # masked
    assert "行政许可审查" in page and "示范市发展和改革局" in page


def test_the_own_page_needs_a_subject_sign_in(client: TestClient, city: LendingCity) -> None:
    assert client.get("/me", follow_redirects=False).headers["location"] == "/me/login"
    assert client.get("/api/v1/loan-applications").status_code == 401


def test_dates(city: LendingCity) -> None:
    assert date(2026, 11, 22).isoweekday() == 7  # the deadline above counts from a Sunday
