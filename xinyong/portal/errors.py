"""Bad input on a page (a page number that is no number, a missing form field) is answered in
the frame of the page asked for, in Chinese, naming the field, the value and the reason; only
the API answers JSON."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse

FIELD_NAMES = {
    "page": "页码",
    "record_id": "记录编号",
    "department": "部门",
    "q": "查询词",
    "code": "代码",
}


def _explain(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path")]
    field = location[-1] if location else ""
    shown = FIELD_NAMES.get(field, field)
    message = str(error.get("msg", ""))
    if error.get("type") == "missing":
        return f"缺少{shown}（{field}）"
    if any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return message  # already Chinese (xinyong.api.params names the field and value)
    value = error.get("input")
    return f"{shown}（{field}）的值“{value}”无效"


def bad_input_page(request: Request, exc: RequestValidationError) -> HTMLResponse:
    message = "请求有误：" + "；".join(_explain(e) for e in exc.errors())
    if request.url.path.startswith("/workbench"):
        from xinyong.workbench.routes import refusal_page

        return refusal_page(request, message, 422)
    from xinyong.portal.routes import render

    return render(request, "message.html", status=422, message=message)
