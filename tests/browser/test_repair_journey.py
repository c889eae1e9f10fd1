"""A business owner repairs an eligible penalty on the portal (issue 25): the conditions are
shown before anything is filed, an application that would fail gets no tracking code, a second
application for the same penalty is refused with the first one's code, and after approval the
penalty is gone from the public page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import org, penalty_values, repair_commitment, save_penalty
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_user
from xinyong.audit.log import Actor

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
NUMBER = "示市监罚〔2026〕88号"


def _apply(page: Any, base: str, uscc: str) -> None:
    page.goto(f"{base}/subjects/{uscc}")
    page.get_by_role("link", name="申请信用修复").first.click()
    page.get_by_label("申请人（单位名称）").fill("示范市鸿泰贸易有限公司")
    page.get_by_label("联系电话").fill("13800000000")
    page.get_by_label("本单位确认违法行为已纠正，罚款等义务已全部履行").check()
    page.get_by_role("button", name="提交申请").click()


def test_owner_repairs_an_eligible_penalty_and_it_leaves_the_public_page(
    session: Session, live_server: str, phone: Any, page: Any
) -> None:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), NUMBER, fine_wan="0.2")
    save_penalty(session, subject, values)
    create_user(session, Actor("cli:test"), "reviewer", "long-enough-1", "reviewer", "审核员")
    session.commit()
    uscc = subject.uscc or ""

    _apply(phone, live_server, uscc)
    assert "暂不符合信用修复条件" in phone.get_by_role("alert").inner_text()
    assert phone.locator(".code").count() == 0, "no tracking code for what would fail"
    assert "✗ 未满足：未找到该主体作出的信用修复型承诺" in phone.content()
    phone.screenshot(path=str(SHOTS / "repair-unmet-phone.png"), full_page=True)

    repair_commitment(session, subject)
    _apply(phone, live_server, uscc)
    code = phone.locator(".code").inner_text()
    assert code.startswith("XF")
    _apply(phone, live_server, uscc)
    assert f"受理编号 {code}" in phone.get_by_role("alert").inner_text(), "no duplicate"

    page.goto(f"{live_server}/workbench/login")
    page.get_by_label("用户名").fill("reviewer")
    page.get_by_label("密码").fill("long-enough-1")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/workbench/repairs")
    page.locator("tr", has_text=code).get_by_role("button", name="受理").click()
    page.locator("tr", has_text=code).get_by_role("button", name="准予修复").click()
    page.get_by_text("没有待审核的修复申请").wait_for()

    phone.goto(f"{live_server}/subjects/{uscc}")
    assert NUMBER not in phone.content()
    phone.goto(f"{live_server}/track?code={code}")
    assert "准予修复" in phone.content() or "已修复" in phone.content()
