"""The audit log reads to an auditor in Chinese and local time (issue 25): actions by their
names (登录, not only session.open), times in Asia/Shanghai."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_user
from xinyong.audit.log import Actor
from xinyong.audit.models import AuditEntry
from xinyong.workbench.audit_view import local_time

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_the_auditor_reads_actions_in_chinese_and_local_time(
    session: Session, live_server: str, page: Any
) -> None:
    create_user(session, Actor("cli:test"), "auditor", "long-enough-1", "auditor", "审计员")
    session.commit()
    page.goto(f"{live_server}/workbench/login")
    page.get_by_label("用户名").fill("auditor")
    page.get_by_label("密码").fill("long-enough-1")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/workbench/audit")
    opened = session.execute(
        select(AuditEntry).where(AuditEntry.action == "session.open")
    ).scalar_one()
    row = page.locator("tr", has_text="session.open").first
    assert "登录" in row.inner_text()
    assert local_time(opened.at) in row.inner_text(), "Asia/Shanghai, 8 hours ahead of UTC"
    assert page.get_by_role("columnheader", name="时间（北京时间）").is_visible()
