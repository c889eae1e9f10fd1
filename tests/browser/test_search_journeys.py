"""Search on the portal (issue 25): results beyond the first page, filters that stay while
paging, and a code with a wrong check digit told which digit it should be."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from helpers import org
from sqlalchemy.orm import Session

from xinyong.demo.identities import IdentityMaker
from xinyong.identifiers.uscc import uscc_check_char

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


def test_search_pages_beyond_fifty_and_keeps_its_filters(
    session: Session, live_server: str, page: Any
) -> None:
    maker = IdentityMaker(random.Random(5))
    for n in range(61):
        subject = org(session, maker.uscc("91", "440507"), f"示范市鸿泰第{n:02d}商贸有限公司")
        subject.address = f"示范市龙湖区长平路{n}号"
    for n in range(3):
        org(
            session, maker.uscc("93", "440507"), f"示范市鸿泰第{n}种植专业合作社"
        ).kind = "farmer_cooperative"
    session.commit()
    page.goto(f"{live_server}/search?q=鸿泰")
    assert page.get_by_text("共找到 64 个主体，第1/4页").is_visible()
    assert page.get_by_text("示范市龙湖区长平路0号").count() == 1, "the address is shown"
    for expected in ("第2/4页", "第3/4页", "第4/4页"):
        page.get_by_role("link", name="下一页").click()
        assert expected in page.locator(".count").inner_text()
    assert page.locator(".results li").count() == 4
    page.get_by_label("主体类别").select_option(label="农民专业合作社")
    page.get_by_role("button", name="筛选").click()
    assert page.get_by_text("共找到 3 个主体").is_visible()
    assert page.get_by_label("主体类别").input_value() == "farmer_cooperative"


def test_a_code_with_a_wrong_check_digit_says_which_digit(
    session: Session, live_server: str, phone: Any
) -> None:
    subject = org(session)
    session.commit()
    good = subject.uscc or ""
    wrong = "0" if good[-1] != "0" else "1"
    phone.goto(live_server)
    phone.get_by_label("主体名称或统一社会信用代码").fill(good[:17] + wrong)
    phone.get_by_role("button", name="查询").click()
    alert = phone.get_by_role("alert")
    assert f"第18位应为“{uscc_check_char(good[:17])}”" in alert.inner_text()
    phone.screenshot(path=str(SHOTS / "search-wrong-check-digit-phone.png"))


def test_a_bad_page_number_is_answered_inside_the_portal_in_chinese(
    session: Session, live_server: str, page: Any
) -> None:
    page.goto(f"{live_server}/search?q=鸿泰&page=abc")
    assert page.get_by_role("link", name="首页").first.is_visible(), "inside the portal frame"
    text = page.locator("main").inner_text()
    assert "请求有误" in text and "abc" in text and "页码" in text
    assert (
        page.request.get(f"{live_server}/api/v1/subjects?q=鸿泰&limit=abc")
        .headers["content-type"]
        .startswith("application/json")
    ), "the API keeps answering JSON"
