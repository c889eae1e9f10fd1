"""Trend, monitoring and warning pages in a real browser: charts drawn by the library served
from our own assets, no request leaves the server, screenshots kept."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.monitoring.compute import compute_month
from xinyong.warning.detect import run_warnings
from xinyong.warning.models import CreditWarning

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SHOTS = Path(os.environ.get("XINYONG_TEST_SCREENSHOTS", "/tmp/xinyong-screenshots"))


def _login(page: Any, base: str) -> None:
    page.goto(f"{base}/workbench/login")
    page.get_by_label("用户名").fill("reviewer")
    page.get_by_label("密码").fill("xinyong-demo")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="待办事项").wait_for()


def _watch(page: Any, base: str) -> list[str]:
    outside: list[str] = []
    origin = urlparse(base).netloc

    def seen(request: Any) -> None:
        if urlparse(request.url).netloc != origin:
            outside.append(request.url)

    page.on("request", seen)
    return outside


def test_trend_and_monitoring_pages_draw_their_charts_from_our_own_assets(
    demo_city: Session, live_server: str, page: Any
) -> None:
    session = demo_city
    compute_month(session, Actor("cli:test"), "2026-09")
    compute_month(session, Actor("cli:test"), "2026-10")
    run_warnings(session, date(2026, 11, 22))
    session.commit()
    outside = _watch(page, live_server)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server)
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.get_by_role("link", name="趋势分析").click()
    page.get_by_role("heading", name="信用趋势分析").wait_for()
    chart = page.locator("#trend-chart")
    chart.wait_for()
    page.wait_for_function("document.getElementById('trend-chart').dataset.drawn !== undefined")
    assert int(chart.get_attribute("data-drawn")) >= 3  # one line per industry section
    assert page.locator("#trend-table tbody tr").count() >= 3
    page.screenshot(path=str(SHOTS / "trends-industry.png"), full_page=True)
    # Another view: list entries by district, chosen in the form.
    page.get_by_label("指标").select_option("records")
    page.get_by_label("维度").select_option("age")
    page.get_by_role("button", name="查看").click()
    page.wait_for_function("document.getElementById('trend-chart').dataset.drawn !== undefined")
    assert "3年以下" in page.locator("#trend-table").inner_text()
    page.screenshot(path=str(SHOTS / "trends-age.png"), full_page=True)
    csv_link = page.get_by_role("link", name="下载 CSV")
    with page.expect_download() as download:
        csv_link.click()
    saved = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert saved.startswith("指标,企业年龄,月份,数量,变化点")

    page.get_by_role("link", name="信用监测").click()
    page.get_by_role("heading", name="城市信用状况监测").wait_for()
    page.wait_for_function(
        "document.querySelector('#spark-penalty_publicity_timeliness').dataset.drawn === '1'"
    )
    assert page.locator("#indicators tbody tr").count() >= 20
    page.screenshot(path=str(SHOTS / "monitoring-board.png"), full_page=True)
    page.locator("#row-licence_publicity_timeliness").get_by_role("link", name="分母").click()
    page.get_by_role("heading", name="行政许可信息7个工作日内公示率：2026-10 分母").wait_for()
    assert page.locator("#drill tbody tr").count() >= 1

    page.get_by_role("link", name="信用预警").click()
    page.get_by_role("heading", name="信用预警").wait_for()
    first = page.locator("tr.warning").first
    rule = first.get_attribute("data-rule")
    first.get_by_label("处理说明").fill("已电话提醒企业")
    first.get_by_role("button", name="确认").click()
    page.get_by_role("status").wait_for()
    assert "已确认并关闭" in page.get_by_role("status").inner_text()
    page.screenshot(path=str(SHOTS / "warnings.png"), full_page=True)
    session.expire_all()
    closed = (
        session.execute(select(CreditWarning).where(CreditWarning.state == "closed"))
        .scalars()
        .all()
    )
    assert [(w.rule, w.note) for w in closed] == [(rule, "已电话提醒企业")]

    assert outside == [], f"requests left the server: {outside}"
    assert errors == []
