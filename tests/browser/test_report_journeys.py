"""Credit reports in a real browser: the public asks for an organisation's report on its
subject page and checks it on the verification page; staff issue a special report for two
domains at the counter and a reviewer revokes it, which the verification page then says."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from helpers import AUTHORITY, org, penalty_values, save_penalty
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department, create_user
from xinyong.audit.log import Actor

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _subject(session: Session) -> Any:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 11, 2), "示市监罚〔2026〕21号", "0.5")
    save_penalty(session, subject, values)
    bureau = create_department(session, Actor("cli:test"), AUTHORITY, "示范市住房和城乡建设局")
    create_user(
        session, Actor("cli:test"), "officer", "long-enough-1", "data_officer", "窗口", bureau
    )
    create_user(session, Actor("cli:test"), "reviewer", "long-enough-1", "reviewer", "审核员")
    session.commit()
    return subject


def _login(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/workbench/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill("long-enough-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="待办事项").wait_for()


def test_the_public_gets_a_report_and_verifies_it(
    session: Session, live_server: str, page: Any
) -> None:
    subject = _subject(session)
    page.goto(f"{live_server}/subjects/{subject.uscc}")
    page.get_by_label("查询用途").fill("招标投标资格审查")
    page.get_by_role("button", name="出具公共信用信息报告（PDF）").click()
    number = page.locator("#report-number").inner_text()
    assert len(number) == 22
    assert page.get_by_role("heading", name="行政管理信息（1条）").is_visible()
    assert "示市监罚〔2026〕21号" in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载签名 PDF").click()
    assert download.value.suggested_filename == f"credit-report-{number}.pdf"
    page.get_by_role("link", name="核验页面").click()
    assert page.locator("#verify-status").inner_text() == "有效"
    assert len(page.locator("#verify-sha256").inner_text()) == 64
    # A made-up code finds nothing.
    page.get_by_label("验证码").fill("AAAAAAAA")
    page.get_by_role("button", name="核验").click()
    page.wait_for_url("**code=AAAAAAAA")  # the old result is on the page until then
    assert page.locator("#verify-status").inner_text() == "未找到"


def test_staff_issue_a_special_report_and_a_reviewer_revokes_it(
    session: Session, live_server: str, page: Any
) -> None:
    subject = _subject(session)
    _login(page, live_server, "officer")
    page.goto(f"{live_server}/workbench/reports")
    page.get_by_label("专项信用报告（代替无违法违规证明）").check()
    page.get_by_label("统一社会信用代码 / 本人居民身份证号码").fill(subject.uscc)
    page.get_by_label("查询用途").fill("申请上市")
    page.get_by_label("住房和城乡建设").check()
    page.get_by_label("发展改革").check()
    page.get_by_label("统计期间（年，截至今天，最长 5 年）").fill("3")
    page.get_by_label("经办人 / 代理人及授权委托书").fill("李四（授权委托书 2026-7 号）")
    page.get_by_role("button", name="出具并签名").click()
    number = page.locator("#issued-number").inner_text()
    code = page.locator("#issued-code").inner_text()
    assert page.locator("tr", has_text=number).get_by_text("special/own").is_visible()
    # The officer may not revoke; the reviewer may.
    assert page.locator("tr", has_text=number).get_by_role("button", name="撤销").count() == 0
    page.get_by_role("button", name="退出").click()
    _login(page, live_server, "reviewer")
    page.goto(f"{live_server}/workbench/reports")
    row = page.locator("tr", has_text=number)
    row.get_by_label("撤销原因").fill("代理人授权不全，重新出具")
    row.get_by_role("button", name="撤销").click()
    page.locator("#revoked").wait_for()
    page.goto(f"{live_server}/reports/verify?number={number}&code={code}")
    assert page.locator("#verify-status").inner_text() == "已撤销"
    assert "代理人授权不全" in page.content()
