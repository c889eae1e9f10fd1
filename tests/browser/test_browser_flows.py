from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from helpers import org, penalty_values, save_penalty
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_user
from xinyong.audit.log import Actor

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
NAME = "示范市鸿泰贸易有限公司"


def city(session: Session) -> Any:
    """A subject with a current penalty, an expired one and one waiting for review."""
    subject = org(session)
    save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 5, 1), "示市监罚〔2026〕11号", fine_wan="0.2"),
    )
    save_penalty(
        session,
        subject,
        penalty_values(
            subject, ["罚款"], date(2026, 5, 1), "示市监罚〔2026〕12号", "0.2", date(2026, 10, 31)
        ),
    )
    pending = save_penalty(
        session,
        subject,
        penalty_values(
            subject, ["罚款"], date(2026, 11, 18), "示市监罚〔2026〕13号", fine_wan="0.5"
        ),
        published=False,
    ).record
    pending.publication_state = "requested"
    create_user(session, Actor("cli:test"), "reviewer", "long-enough-1", "reviewer", "审核员")
    session.commit()
    return subject


def test_two_character_search_finds_the_subject_and_its_page(
    session: Session, live_server: str, page: Any
) -> None:
    city(session)
    page.goto(live_server)
    page.get_by_label("主体名称或统一社会信用代码").fill("鸿泰")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=NAME).click()
    assert page.get_by_role("heading", name=NAME).is_visible()
    body = page.content()
    assert "示市监罚〔2026〕11号" in body, "current penalty shown"
    assert "示市监罚〔2026〕12号" not in body, "penalty past its publicity end hidden"
    assert "示市监罚〔2026〕13号" not in body, "unreviewed penalty not public"


def _login(page: Any, base: str) -> None:
    page.goto(f"{base}/workbench/login")
    page.get_by_label("用户名").fill("reviewer")
    page.get_by_label("密码").fill("long-enough-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="待办事项").wait_for()


def test_portal_objection_reaches_the_workbench_and_marks_the_record(
    session: Session, live_server: str, page: Any
) -> None:
    subject = city(session)
    page.goto(f"{live_server}/subjects/{subject.uscc}")
    page.get_by_role("link", name="对此信息提出异议").first.click()
    page.get_by_label("提出人姓名或单位名称").fill(NAME)
    page.get_by_label("联系电话").fill("13800000000")
    page.get_by_label("具体说明").fill("该处罚决定已被依法撤销")
    page.get_by_role("button", name="提交异议").click()
    code = page.locator(".code").inner_text()
    assert code.startswith("YY")
    _login(page, live_server)
    page.goto(f"{live_server}/workbench/objections")
    row = page.locator("tr", has_text=code)
    row.get_by_role("button", name="受理并标注").click()
    page.goto(f"{live_server}/subjects/{subject.uscc}")
    assert page.get_by_text("异议处理中").first.is_visible()


def test_reviewer_approves_and_the_item_appears_on_the_public_list(
    session: Session, live_server: str, page: Any
) -> None:
    city(session)
    page.goto(f"{live_server}/publicity")
    assert "示市监罚〔2026〕13号" not in page.content()
    _login(page, live_server)
    page.goto(f"{live_server}/workbench/publications")
    page.get_by_label("选择 示市监罚〔2026〕13号").check()
    page.get_by_role("button", name="下一步：确认").click()
    page.get_by_role("button", name="确认审核通过并公示").click()
    page.goto(f"{live_server}/publicity")
    assert "示市监罚〔2026〕13号" in page.content()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=鸿泰",
        "/subjects/914405007080295548",
        "/publicity",
        "/lists/black_list",
        "/track",
        "/commitments",
        "/news",
        "/objections/new?record_id=1",
        "/repairs/new?record_id=1",
        "/reports/verify?number=20261122000000ABCDEFGH&code=ABCDEFGH",
        "/workbench/login",
    ],
)
def test_no_page_scrolls_sideways_on_a_phone(
    session: Session, live_server: str, phone: Any, path: str
) -> None:
    city(session)
    phone.goto(live_server + path)
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
