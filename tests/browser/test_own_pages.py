"""Own pages in a browser: an enterprise signs in (TOTP), authorises a bank for two items for
30 days and applies; the bank reads exactly those two, a third is refused; after the
enterprise revokes, the next read is refused; its page lists both reads. On a phone too."""

from __future__ import annotations

from typing import Any

import httpx
import pyotp
import pytest
from lending_city import PASSWORD, TOTP_SECRET, LendingCity, lending_city
from sqlalchemy.orm import Session

from xinyong.api import deps

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _sign_in(page: Any, base: str, city: LendingCity) -> None:
    page.goto(f"{base}/me/login")
    page.get_by_label("统一社会信用代码").fill(city.uscc)
    page.get_by_label("法定代表人身份证号码").fill(city.representative_id)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("动态验证码").fill(pyotp.TOTP(TOTP_SECRET).now())
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="示范市鸿泰贸易有限公司").wait_for()


def _journey(page: Any, base: str, session: Session) -> None:
    deps.forget_keys()
    city = lending_city(session)
    _sign_in(page, base, city)
    assert "示市监罚〔2026〕13号" in page.content()  # its record that is not public
    page.get_by_role("link", name="示范市农商银行 · 小微信用贷").click()
    page.get_by_label("申请金额（万元）").fill("100")
    page.get_by_label("贷款用途").fill("采购原材料")
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_label("行政处罚信息").check()
    page.get_by_label("纳税信用等级信息").check()
    page.get_by_label("授权期限（天）").fill("30")
    page.get_by_role("button", name="授权并提交申请").click()
    page.get_by_role("status").wait_for()
    assert "贷款申请已提交" in page.get_by_role("status").inner_text()

    bank = httpx.Client(base_url=base, headers=city.bank_key)
    [application] = bank.get("/api/v1/loan-applications").json()
    url = f"/api/v1/authorisations/{application['authorisation_id']}/records"
    assert bank.get(f"{url}/admin_penalty").status_code == 200
    assert bank.get(f"{url}/tax_credit_grade").status_code == 200
    assert bank.get(f"{url}/admin_license").status_code == 403

    page.goto(f"{base}/me#authorisations")
    row = page.get_by_role("row").filter(has_text="2026-11-22 至 2026-12-21")
    assert "示范市农商银行" in row.inner_text() and "有效" in row.inner_text()
    page.get_by_role("button", name="撤销授权").click()
    page.get_by_role("status").wait_for()
    assert bank.get(f"{url}/admin_penalty").status_code == 403

    reads = page.get_by_role("row").filter(has_text="经授权查询")
    assert reads.count() == 2
    texts = " ".join(reads.all_inner_texts())
    assert "行政处罚信息" in texts and "纳税信用等级信息" in texts
    assert "示范市农商银行" in texts and "申请贷款：小微信用贷" in texts
    assert texts.count("2026-") >= 2  # each with its time


def test_enterprise_authorises_applies_and_sees_the_bank_reads(
    session: Session, live_server: str, page: Any
) -> None:
    _journey(page, live_server, session)


def test_the_same_on_a_phone(session: Session, live_server: str, phone: Any) -> None:
    _journey(phone, live_server, session)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, "the own page fits the phone's width"


def test_a_citizen_sees_its_records_and_reads_and_objects_from_its_page(
    session: Session, live_server: str, phone: Any
) -> None:
    from helpers import staff_headers

    deps.forget_keys()
    city = lending_city(session)
    headers = staff_headers(session, ["read"])
    read = httpx.get(
        f"{live_server}/api/v1/subjects/{city.resident_id}",
        params={"purpose": "行政许可审查"},
        headers=headers,
    )
    assert read.status_code == 200
    phone.goto(f"{live_server}/me/login?kind=citizen")
    phone.get_by_label("身份证号码").fill(city.resident_id)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("heading", name="陈小明").wait_for()
    body = phone.content()
    assert "示市监罚〔2026〕21号" in body and "不公开" in body  # its own record, not public
    assert city.resident_id not in body
    staff_read = phone.get_by_role("row").filter(has_text="行政许可审查")
    assert "示范市发展和改革局" in staff_read.inner_text()
    phone.get_by_role("link", name="对此信息提出异议").first.click()
    assert phone.get_by_label("提出人姓名或单位名称").input_value() == "陈小明"  # filled in
    phone.get_by_label("具体说明").fill("该处罚决定已被依法撤销")
    phone.get_by_role("button", name="提交异议").click()
    assert phone.locator(".code").inner_text().startswith("YY")


def test_the_credit_office_sees_the_lending_statistics(
    session: Session, live_server: str, page: Any
) -> None:
    from datetime import date

    from sqlalchemy import select

    from xinyong.catalog.registry import get_catalog
    from xinyong.lending.applications import apply_for_loan
    from xinyong.selfservice.models import SubjectAccount
    from xinyong.selfservice.signin import subject_principal

    city = lending_city(session)
    account = session.execute(
        select(SubjectAccount).where(SubjectAccount.kind == "enterprise")
    ).scalar_one()
    apply_for_loan(
        session,
        subject_principal(account, None),
        get_catalog(),
        product_id=city.product_id,
        amount_wan="50",
        term_months=6,
        purpose="周转",
        items=["admin_penalty"],
        days=10,
        today=date(2026, 11, 20),
    )
    session.commit()
    page.goto(f"{live_server}/workbench/login")
    page.get_by_label("用户名").fill("reviewer")
    page.get_by_label("密码").fill("long-enough-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="信易贷").click()
    page.get_by_role("heading", name="信易贷统计").wait_for()
    tile = page.locator(".tiles li").filter(has_text="贷款申请")
    assert tile.locator("b").inner_text() == "1"
    assert "逾期未受理：0 笔" in page.content()  # due 2026-11-25, today 2026-11-22
