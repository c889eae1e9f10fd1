"""Journeys of issue 25 through dual publicity: a department clerk uploads penalties and sends
them for review in the workbench, a reviewer approves them in bulk seeing what they judge,
and the public filters /publicity with every department and pages through it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import org, penalty_values, save_penalty
from penalty_files import AUTHORITY, good_row, write_csv
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department, create_user
from xinyong.audit.log import Actor

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PASSWORD = "long-enough-1"


def _staff(session: Session) -> None:
    actor = Actor("cli:test")
    market = create_department(session, actor, AUTHORITY, "示范市市场监督管理局")
    create_user(session, actor, "clerk", PASSWORD, "data_officer", "市场监管局录入员", market)
    create_user(session, actor, "reviewer", PASSWORD, "reviewer", "信用办审核员")
    session.commit()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/workbench/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="待办事项").wait_for()


def _logout(page: Any) -> None:
    page.get_by_role("button", name="退出").click()
    page.get_by_label("用户名").wait_for()


def test_clerk_uploads_requests_reviewer_approves_in_bulk_and_the_public_sees_them(
    session: Session, live_server: str, page: Any, tmp_path: Path
) -> None:
    _staff(session)
    rows = [good_row(n, 处罚决定日期="2026-11-02", 处罚有效期="2027-05-01") for n in range(3)]
    path = write_csv(tmp_path / "penalties.csv", rows)
    _login(page, live_server, "clerk")
    page.goto(f"{live_server}/workbench/upload")
    page.get_by_label("文件（CSV、XLSX、JSON Lines 或 JSON）").set_input_files(str(path))
    page.get_by_role("button", name="上传并校验").click()
    assert "接收3行" in page.locator("#batch-result").inner_text()

    page.goto(f"{live_server}/workbench/publications")
    heading = page.get_by_role("heading", name="本部门待提交审核（3条）")
    waiting = page.locator("section", has=heading)
    for n in range(3):
        waiting.get_by_label(f"选择 示市监罚〔2026〕{n + 1}号").check()
    page.get_by_role("button", name="提交所选信息申请公示").click()
    assert page.get_by_role("heading", name="待审核（3条）").is_visible()
    assert page.get_by_text("没有待提交审核的信息").is_visible()
    # A department does not review: no review buttons are offered to it.
    assert page.get_by_role("button", name="下一步：确认").count() == 0
    _logout(page)

    _login(page, live_server, "reviewer")
    page.goto(f"{live_server}/workbench/publications")
    row = page.locator("#bulk-review tr", has_text="示市监罚〔2026〕1号")
    assert "示范市市场监督管理局" in row.inner_text(), "the reviewer sees the department"
    row.get_by_text("查看全文").click()
    assert row.get_by_text("经查，当事人未按规定明码标价。").is_visible(), "and the content"
    page.screenshot(path=str(SHOTS / "review-queue-desktop.png"), full_page=True)
    for n in range(3):
        page.get_by_label(f"选择 示市监罚〔2026〕{n + 1}号").check()
    page.get_by_role("button", name="下一步：确认").click()
    assert page.get_by_role("heading", name="确认：审核通过并公示 3 条信息").is_visible()
    page.get_by_role("button", name="确认审核通过并公示").click()
    assert page.get_by_text("没有待审核的信息").is_visible()

    page.goto(f"{live_server}/publicity")
    body = page.content()
    assert all(f"示市监罚〔2026〕{n + 1}号" in body for n in range(3))


def test_reviewer_withdraws_a_published_penalty_with_the_reason_kind(
    session: Session, live_server: str, page: Any
) -> None:
    _staff(session)
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 11, 2), "示市监罚〔2026〕77号", "0.2")
    save_penalty(session, subject, values)
    session.commit()
    _login(page, live_server, "reviewer")
    page.goto(f"{live_server}/workbench/publications")
    page.get_by_label("文书号").fill("77号")
    page.get_by_role("button", name="查找").click()
    page.get_by_label("撤下原因类别").select_option(label="处罚决定被撤销")
    page.get_by_label("撤下理由").fill("经行政复议撤销")
    page.get_by_role("button", name="撤下公示").click()
    page.get_by_role("heading", name="双公示").wait_for()
    page.goto(f"{live_server}/publicity")
    assert "示市监罚〔2026〕77号" not in page.content()


def test_the_public_filters_publicity_with_all_departments_and_pages_through(
    session: Session, live_server: str, phone: Any
) -> None:
    subject = org(session)
    for n in range(55):
        values = penalty_values(
            subject, ["罚款"], date(2026, 11, 2), f"示市监罚〔2026〕{n + 100}号", "0.2"
        )
        save_penalty(session, subject, values)
    session.commit()
    phone.goto(f"{live_server}/publicity")
    phone.get_by_label("至").fill("2026-11-20")
    phone.get_by_role("button", name="筛选").click()
    assert phone.get_by_role("heading", name="双公示：行政处罚").is_visible()
    assert "全部部门" in phone.get_by_label("部门").inner_text()
    assert phone.locator(".results li").count() == 50
    phone.get_by_role("link", name="下一页").click()
    assert phone.locator(".results li").count() == 5
    assert phone.get_by_label("至").input_value() == "2026-11-20", "the filter is kept"
    assert "until=2026-11-20" in phone.url
    phone.screenshot(path=str(SHOTS / "publicity-page2-phone.png"), full_page=True)
