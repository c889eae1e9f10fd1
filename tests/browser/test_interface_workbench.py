"""The credit office issues a key to a bank in the workbench, suspends it, and sees its use."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department, create_user
from xinyong.audit.log import Actor

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_a_bank_s_key_is_issued_used_suspended_and_counted(
    session: Session, live_server: str, page: Any
) -> None:
    from helpers import AUTHORITY

    actor = Actor("cli:test")
    create_department(session, actor, AUTHORITY, "示范市发展和改革局", is_credit_office=True)
    create_user(session, actor, "office", "long-enough-1", "admin", "信用办管理员")
    session.commit()
    page.goto(f"{live_server}/workbench/login")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("long-enough-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="接口接入").click()

    page.get_by_label("接入方名称").fill("示范市农村商业银行")
    page.get_by_label("类型", exact=True).select_option("bank")
    page.get_by_label("联系人及电话").fill("王经理 0754-88880000")
    page.get_by_label("法律依据或协议").fill("信易贷合作协议（2026）第3号")
    page.get_by_role("button", name="登记").click()
    page.get_by_role("button", name="为示范市农村商业银行签发密钥").click()
    key = page.locator("#issued-key").inner_text()
    assert key.startswith("xy_")

    with httpx.Client(base_url=live_server, headers={"X-API-Key": key}) as bank:
        assert bank.get("/api/v1/catalog").status_code == 200
        assert bank.get("/api/v1/lists/black_list").status_code == 200
        page.get_by_role("button", name=f"暂停 {key[:10]}").click()
        refused = bank.get("/api/v1/catalog")
        assert refused.status_code == 401 and "暂停" in refused.json()["detail"]

    page.get_by_role("link", name="调用统计").click()
    caller = page.locator("#usage-callers tr", has_text=f"apikey:{key[:10]}")
    caller.wait_for(timeout=15_000)
    assert caller.locator("td").nth(1).inner_text() == "2"  # the calls it was let in for
    assert "错误 1 次" in page.locator("#usage-days").inner_text()  # the refused one
