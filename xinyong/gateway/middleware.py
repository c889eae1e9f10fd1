"""Counts every API call (a plain ASGI middleware: one dictionary update per call)."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.gateway.usage import UsageRecorder, family_of


class UsageMiddleware:
    def __init__(self, app: ASGIApp, recorder: UsageRecorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            state: dict[str, Any] = scope.get("state") or {}
            principal = state.get("principal")
            caller = getattr(principal, "name", None) or "public"
            elapsed = (time.perf_counter() - started) * 1000
            self.recorder.record(caller, family_of(scope["path"]), status[0], elapsed)
