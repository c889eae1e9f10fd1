"""A market bureau's clerk uploads a real open-data registration export (JSON) in the
workbench, sees the batch result, and the company's page then shows its legal
representative, address and founding date (issue 28)."""

from __future__ import annotations

from typing import Any

import pytest
from realdata import MARKET, REALDATA, real
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department, create_user
from xinyong.audit.log import Actor

pytestmark = [
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
    pytest.mark.skipif(REALDATA is None, reason="shared/realdata is absent"),
]


def test_a_clerk_uploads_a_registration_export_and_the_subject_page_shows_the_profile(
    session: Session, live_server: str, page: Any
) -> None:
    actor = Actor("cli:test")
    bureau = create_department(session, actor, MARKET, "示范市市场监督管理局")
    create_user(session, actor, "clerk", "long-enough-1", "data_officer", "数据专员", bureau)
    session.commit()
    page.goto(f"{live_server}/workbench/login")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill("long-enough-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="数据上报").click()
    page.get_by_label("目录项").select_option("registration_basics")
    page.get_by_label("文件").set_input_files(str(real("registration_imhuster_2003_hainan.json")))
    page.get_by_role("button", name="上传并校验").click()
    result = page.locator("#batch-result")
    result.wait_for(timeout=60_000)
    assert "共771行：接收771行" in result.inner_text()

    page.goto(f"{live_server}/subjects/914600007425904924")
    facts = page.locator("dl.facts").inner_text()
    assert "海南珠江绿化工程有限公司" in page.locator("h1").inner_text()
    for shown in (
        "法定代表人",
        "吴建社",
        "成立日期",
        "2003-01-02",
        "海口市龙昆北路2号龙珠大厦21楼B座",
    ):
        assert shown in facts
