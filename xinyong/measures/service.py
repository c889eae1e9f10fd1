"""The credit-check service: concurrent API callers answered in group-committed batches.

On PostgreSQL it runs on the calling event loop over asyncpg connections (no threads,
no thread wake-ups per request); on SQLite, whose driver is synchronous, on worker threads.
Either way a caller gets its answer only after the batch holding its check and audit entry
has committed.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from typing import Any, Protocol

from sqlalchemy import Engine

from xinyong.db.batcher import AsyncGroupCommit, GroupCommit
from xinyong.measures.checks import CheckRequest, answer_checks, answer_checks_async

CHECK_WORKERS = 2  # batches in flight at once (see xinyong.db.batcher)


class CheckRunner(Protocol):
    async def run(self, item: CheckRequest) -> dict[str, Any]: ...


# Keyed by the engine itself: called on every check, so no URL is rendered or hashed.
_threaded: dict[Engine, GroupCommit[CheckRequest, dict[str, Any]]] = {}
_on_loop: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[Engine, AsyncGroupCommit[CheckRequest, dict[str, Any]]]
] = weakref.WeakKeyDictionary()


def check_service(engine: Engine) -> CheckRunner:
    """The group-committing check service for ``engine`` (and, on PostgreSQL, this loop)."""
    if engine.dialect.name == "postgresql":
        services = _on_loop.setdefault(asyncio.get_running_loop(), {})
        service = services.get(engine)
        if service is None:
            conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            service = services[engine] = AsyncGroupCommit(
                conninfo,
                functools.partial(answer_checks_async, engine=engine),
                connections=CHECK_WORKERS,
            )
        return service
    threaded = _threaded.get(engine)
    if threaded is None:
        threaded = _threaded[engine] = GroupCommit(
            engine, answer_checks, max_batch=64, workers=CHECK_WORKERS, name="credit-checks"
        )
    return threaded


async def close_check_services() -> None:
    """Close the async services' connections on the running loop (application shutdown)."""
    for service in _on_loop.pop(asyncio.get_running_loop(), {}).values():
        await service.close()
