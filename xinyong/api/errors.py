"""The error answers every API route declares: one shape, ``{"detail": "中文原因"}``.

Any route can answer 401 (a key that is unknown, expired, suspended or revoked), 403 (a key
or login without the right), 429 (a quota) and 422 (input the route refuses, with the field,
the value and the reason; FastAPI's own validation answers a list of located errors under
the same ``detail``); a route with a path parameter can answer 404, a route that takes a
body 409 and 413. Every API router is made by ``api_router``, whose routes write these into
their OpenAPI responses, so the published contract says what the server does (schemathesis
checks it in the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    detail: str = Field(examples=["信用记录 303 不存在"])


class LocatedError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class UnprocessableOut(BaseModel):
    detail: str | list[LocatedError] = Field(
        examples=["查询词“张”过短：名称片段至少需要2个字"],
        description="中文原因；请求格式校验失败时为逐项列出的字段错误",
    )


_EVERY_ROUTE: dict[int, tuple[str, type[BaseModel]]] = {
    401: ("未登录，或 API 密钥无效、过期、暂停、吊销", ErrorOut),
    403: ("无此权限", ErrorOut),
    422: ("输入有误：字段、取值与原因", UnprocessableOut),
    429: ("超过调用配额（见 Retry-After）", ErrorOut),
}


def declared_errors(path: str, methods: set[str] | list[str] | None) -> dict[int | str, Any]:
    """The error answers of an API route at ``path`` with ``methods``."""
    wanted = dict(_EVERY_ROUTE)
    if "{" in path:
        wanted[404] = ("所指对象不存在或不可见", ErrorOut)
    if set(methods or ()) & {"POST", "PUT", "PATCH"}:
        wanted[409] = ("状态已被其他请求改变，请刷新后重试", ErrorOut)
        wanted[413] = ("请求体超过大小上限", ErrorOut)
    return {code: {"description": text, "model": model} for code, (text, model) in wanted.items()}


class DeclaredErrorsRoute(APIRoute):
    """An API route whose OpenAPI responses include the error answers it can give."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        own = kwargs.pop("responses", None) or {}
        kwargs["responses"] = {**declared_errors(path, kwargs.get("methods")), **own}
        super().__init__(path, endpoint, **kwargs)


def api_router(tag: str) -> APIRouter:
    """The router of one family of ``/api/v1`` routes (every API router is made here)."""
    return APIRouter(prefix="/api/v1", tags=[tag], route_class=DeclaredErrorsRoute)
