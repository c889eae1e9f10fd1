"""The public credit page answers "can I trust this company" (issue 25): the status block
first, a count for every section (zero included), records a page at a time."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import black_list_entry, org, penalty_values, save_penalty
from sqlalchemy.orm import Session

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


def test_a_black_listed_company_shows_the_status_block_first_with_zero_counts(
    session: Session, live_server: str, phone: Any
) -> None:
    subject = org(session)
    black_list_entry(session, subject, "2027-12-01")
    for n in range(22):
        values = penalty_values(
            subject, ["罚款"], date(2026, 10, 1 + n), f"示市监罚〔2026〕{n + 200}号", "0.2"
        )
        save_penalty(session, subject, values)
    session.commit()
    phone.goto(f"{live_server}/subjects/{subject.uscc}")
    first = phone.locator(".verdict li").first
    assert "严重失信主体名单" in first.inner_text()
    assert "status-danger" in (first.get_attribute("class") or "")
    headings = phone.locator("main h2").all_inner_texts()
    assert headings[0] == "信用状况", "the verdict comes before any section"
    index = phone.get_by_role("navigation", name="信息分类")
    assert "行政管理信息 22" in index.inner_text().replace("\n", " ")
    empty = phone.locator("#item-dishonest_judgment_debtor")
    assert "0条" in empty.inner_text() and "暂无" in empty.inner_text()
    phone.screenshot(path=str(SHOTS / "credit-blacklisted-phone.png"))

    penalties = phone.locator("#item-admin_penalty")
    assert penalties.locator(".record").count() == 10
    assert "示市监罚〔2026〕221号" in penalties.locator(".record").first.inner_text(), "newest"
    penalties.get_by_role("link", name="下一页").click()
    penalties = phone.locator("#item-admin_penalty")
    assert "第2/3页" in penalties.inner_text()
    # The section index stays on screen while reading further down.
    assert phone.get_by_role("navigation", name="信息分类").is_visible()
    box = phone.get_by_role("navigation", name="信息分类").bounding_box()
    assert box is not None and box["y"] <= 1
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_a_company_on_no_list_is_told_so(session: Session, live_server: str, page: Any) -> None:
    subject = org(session)
    session.commit()
    page.goto(f"{live_server}/subjects/{subject.uscc}")
    verdict = page.locator(".verdict li").first
    assert "未发现严重失信主体名单、失信被执行人、经营异常名录信息" in verdict.inner_text()
    assert "status-clear" in (verdict.get_attribute("class") or "")
    page.screenshot(path=str(SHOTS / "credit-clear-desktop.png"), full_page=True)
