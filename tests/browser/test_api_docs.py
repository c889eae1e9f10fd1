"""The API documentation renders every operation offline (Swagger UI 5 reads OpenAPI 3.1)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_docs_page_shows_the_operations_without_the_internet(live_server: str, page: Any) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(live_server) and not request.url.startswith("data:")
            else None
        ),
    )
    page.goto(f"{live_server}/docs")
    check = page.locator(".opblock-summary-path", has_text="/api/v1/checks").first
    check.wait_for(timeout=15_000)
    assert page.locator(".opblock").count() >= 30
    page.get_by_text("信用核查（办事先查信用）").first.click()
    page.locator(".opblock-body").first.wait_for()
    assert "Unable to render this definition" not in page.content()
    assert outside == []


def test_docs_page_shows_an_operations_example_answer(live_server: str, page: Any) -> None:
    page.goto(f"{live_server}/docs")
    page.get_by_text("按受理编号查询异议进度").first.click()
    example = page.locator(".responses-wrapper .microlight", has_text="tracking_code").first
    example.wait_for(timeout=15_000)
    assert "YY20261208K7M2QX" in example.inner_text()
    assert "已受理（标注异议）" in example.inner_text()
