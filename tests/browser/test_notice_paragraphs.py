"""A notice written in the workbench keeps its paragraphs on the portal (issue 25): the
browser's textarea sends CRLF line ends, which used to merge the paragraphs into one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_user
from xinyong.audit.log import Actor

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_a_published_notice_keeps_its_paragraphs(
    session: Session, live_server: str, page: Any
) -> None:
    create_user(session, Actor("cli:test"), "admin", "long-enough-1", "admin", "管理员")
    session.commit()
    page.goto(f"{live_server}/workbench/login")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("long-enough-1")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/workbench/articles")
    page.get_by_label("标题").fill("关于推进信用修复工作的通知")
    page.get_by_label("正文（空一行分段）").fill("第一段：适用范围。\n\n第二段：办理程序。")
    page.locator('input[name="publish"]').check()
    page.get_by_role("button", name="保存").click()
    page.goto(f"{live_server}/news")
    page.get_by_role("link", name="关于推进信用修复工作的通知").click()
    assert page.locator("article p").all_inner_texts()[-2:] == [
        "第一段：适用范围。",
        "第二段：办理程序。",
    ]
