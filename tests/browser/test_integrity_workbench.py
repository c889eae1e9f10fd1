"""Workbench journeys of government integrity: the credit office reads the government
arrears (amounts, ages, progress); a department's officer finds the row the national
platform rejected, with the reason, and resubmits it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department, create_user
from xinyong.audit.log import Actor
from xinyong.exchange.packages import build_package
from xinyong.exchange.receipts import import_receipt
from xinyong.lists import recognition
from xinyong.settings import reset_settings

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ACTOR = Actor("cli:test")


def _login(page: Any, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/workbench/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("long-enough-1")
    page.get_by_role("button", name="登录").click()


def test_the_credit_office_reads_government_arrears(
    session: Session, live_server: str, page: Any
) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "integrity"))
    from helpers import AUTHORITY, org
    from test_government_integrity import BUREAU, save_arrears

    create_department(session, ACTOR, AUTHORITY, "示范市发展和改革局", is_credit_office=True)
    create_user(session, ACTOR, "office", "long-enough-1", "admin", "信用办管理员")
    body = org(session, BUREAU, "示范市某某局")
    save_arrears(session, body, contract="HT-9", overdue_from="2026-09-01", unpaid="300000")
    save_arrears(session, body, contract="HT-8", overdue_from="2027-01-01", unpaid="800000")
    _login(page, live_server, "office")
    page.get_by_role("link", name="政府拖欠账款").click()
    assert "未付合计1,100,000.00元" in page.locator("#arrears-total").inner_text()
    overdue = page.locator("#arrears tbody tr").first
    cells = overdue.locator("td")
    assert "HT-9" in cells.nth(2).inner_text()
    assert cells.nth(6).inner_text() == "62%"  # 500,000 of 800,000 paid
    assert cells.nth(8).inner_text() == "83"  # 1 Sept to 22 Nov, both counted
    assert cells.nth(9).inner_text() == "逾期31至90日"
    row = page.locator("#bodies tbody tr", has_text="示范市某某局")
    assert row.locator("td").nth(3).inner_text() == "1"  # one contract overdue
    page.get_by_label("只看未清偿").check()
    page.get_by_role("button", name="查询").click()
    assert page.locator("#arrears tbody tr").count() == 2


def test_an_officer_resubmits_a_row_the_national_platform_rejected(
    session: Session, live_server: str, page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import AUTHORITY, org

    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    reset_settings()
    tax = create_department(session, ACTOR, AUTHORITY, "示范市税务局")
    create_user(session, ACTOR, "taxman", "long-enough-1", "data_officer", "税务局报送员", tax)
    entry = recognition.propose(
        session, ACTOR, "black_list", "重大税收违法失信主体", org(session), tax,
        "虚开增值税专用发票", "《重大税收违法失信主体信息公布管理办法》",
    )  # fmt: skip
    recognition.notify(session, entry, ACTOR, date(2026, 11, 2))
    recognition.decide(
        session, entry, ACTOR, "示税失信〔2026〕8号", date(2029, 11, 20), date(2026, 11, 13)
    )
    package = build_package(session, ACTOR, "nation", date(2026, 11, 16), tmp_path)
    assert package is not None
    receipt = f"包编号,行号,结果,原因\n{package.number},1,退回,名单类型代码不符\n"
    import_receipt(session, ACTOR, receipt, datetime(2026, 11, 17, 9))
    session.commit()

    _login(page, live_server, "taxman")
    page.get_by_role("link", name="上报交换").click()
    row = page.locator("#queue tbody tr").first
    assert "名单类型代码不符" in row.inner_text() and package.number in row.inner_text()
    assert "2026-11-27" in row.inner_text()  # 10 working days after Friday 13 November
    page.get_by_label("处理情况").fill("已按国家平台代码表更正名单类型")
    page.get_by_role("button", name="重新提交").click()
    assert "没有被退回的数据" in page.locator("#queue").inner_text()
