"""CSRF protection for portal forms: a per-browser token in a cookie, repeated in each form."""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request, Response

COOKIE = "xy_csrf"
FIELD = "csrf_token"


def token_for(request: Request) -> str:
    return request.cookies.get(COOKIE) or secrets.token_urlsafe(24)


def remember(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=8 * 3600)


def verify(request: Request, submitted: str | None) -> None:
    expected = request.cookies.get(COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(status_code=403, detail="表单已过期或来源不明，请刷新页面后重新提交")
