"""Group commit: many small requests served in batches, one transaction per batch.

A request is handed to a worker thread, which takes whatever requests are waiting (up to
``max_batch``), serves them all in one session and one commit, and only then resolves each
caller's future. Callers therefore see their write durable before they answer, while the
database pays one round of locks, inserts and commit per batch instead of per request.
If a batch fails, its requests are retried one by one so that one bad request fails alone.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import asyncpg
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from xinyong.db.engine import session_factory

T = TypeVar("T")
R = TypeVar("R")

Handler = Callable[[Session, list[T]], list[R]]


@dataclass
class _Pending(Generic[T, R]):
    """A submitted item and whoever waits for it: a thread (``future``) or an event loop."""

    item: T
    future: Future[R] | None = None
    waiter: asyncio.Future[R] | None = None


def _settle_waiters(settled: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for waiter, outcome in settled:
        if waiter.done():  # the caller went away (cancelled)
            continue
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)


class GroupCommit(Generic[T, R]):
    """Serve items through ``handler`` in batches on up to ``workers`` threads.

    With two or more workers one batch's database round trips overlap the next batch's
    Python work. A worker exits after ``idle_seconds`` without work and starts again on a
    later ``submit``, so an unused service holds no thread and no connection.
    """

    def __init__(
        self,
        engine: Engine,
        handler: Handler[T, R],
        max_batch: int = 64,
        workers: int = 1,
        idle_seconds: float = 30.0,
        name: str = "group-commit",
    ) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        self._handler = handler
        self._max_batch = max_batch
        self._idle = idle_seconds
        self._name = name
        self._queue: queue.Queue[_Pending[T, R]] = queue.Queue()
        self._lock = threading.Lock()
        self._max_workers = workers
        self._workers = 0

    def submit(self, item: T) -> Future[R]:
        """Queue ``item`` from any thread; the future resolves once its batch committed."""
        future: Future[R] = Future()
        self._enqueue(_Pending(item, future=future))
        return future

    async def run(self, item: T) -> R:
        """Queue ``item`` from a coroutine and wait for its batch to commit.

        The whole batch is handed back to each event loop in one wake-up.
        """
        waiter: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._enqueue(_Pending(item, waiter=waiter))
        return await waiter

    def _enqueue(self, pending: _Pending[T, R]) -> None:
        with self._lock:
            self._queue.put(pending)
            if self._workers < self._max_workers:
                self._workers += 1
                threading.Thread(target=self._work, name=self._name, daemon=True).start()

    def _work(self) -> None:
        while True:
            batch = self._next_batch()
            if not batch:
                return
            self._serve(batch)

    def _next_batch(self) -> list[_Pending[T, R]]:
        try:
            first = self._queue.get(timeout=self._idle)
        except queue.Empty:
            with self._lock:
                if self._queue.empty():
                    self._workers -= 1
                    return []
            first = self._queue.get()
        batch = [first]
        while len(batch) < self._max_batch:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _serve(self, batch: list[_Pending[T, R]]) -> None:
        self._settle(batch, self._outcomes(batch))

    def _outcomes(self, batch: list[_Pending[T, R]]) -> list[R | BaseException]:
        try:
            return list(self._run([p.item for p in batch]))
        except Exception as exc:
            if len(batch) == 1:
                return [exc]
            return [outcome for pending in batch for outcome in self._outcomes([pending])]

    @staticmethod
    def _settle(batch: list[_Pending[T, R]], outcomes: list[R | BaseException]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
        for pending, outcome in zip(batch, outcomes, strict=True):
            if pending.waiter is not None:
                by_loop.setdefault(pending.waiter.get_loop(), []).append((pending.waiter, outcome))
            elif pending.future is not None and isinstance(outcome, BaseException):
                pending.future.set_exception(outcome)
            elif pending.future is not None:
                pending.future.set_result(cast(R, outcome))
        for loop, settled in by_loop.items():
            loop.call_soon_threadsafe(_settle_waiters, settled)

    def _run(self, items: list[T]) -> list[R]:
        session = self._sessions()
        try:
            results = self._handler(session, items)
            session.commit()
            return results
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


AsyncHandler = Callable[[asyncpg.Connection, list[T]], Awaitable[list[R]]]


class AsyncGroupCommit(Generic[T, R]):
    """Group commit on the event loop, for PostgreSQL through asyncpg connections.

    The same contract as ``GroupCommit`` (answers only after the batch committed, a failing
    batch retried item by item) without threads: requests queue on the loop, and up to
    ``connections`` flushers each take what is waiting and serve it while the loop goes on
    reading requests. Outside an explicit transaction every statement commits on its own, and
    the handler decides when it writes (so it can read first and spend as few round trips as
    it likes); it must fail only before its commit, or a retried item would be written twice.
    Bound to the event loop it is first used on.
    """

    def __init__(
        self,
        conninfo: str,
        handler: AsyncHandler[T, R],
        max_batch: int = 64,
        connections: int = 2,
    ) -> None:
        self._conninfo = conninfo
        self._handler = handler
        self._max_batch = max_batch
        self._max_flushers = connections
        self._flushers = 0
        self._pending: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._idle: list[asyncpg.Connection] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[R] = loop.create_future()
        self._pending.append((item, waiter))
        if self._flushers < self._max_flushers:
            self._flushers += 1
            task = loop.create_task(self._flush())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await waiter

    async def close(self) -> None:
        """Close the idle connections (at application shutdown)."""
        while self._idle:
            await self._idle.pop().close()

    async def _flush(self) -> None:
        try:
            connection = await self._connection()
        except Exception as exc:  # the database is unreachable: fail what waits
            self._flushers -= 1
            while self._pending:
                _settle_waiters([(self._pending.popleft()[1], exc)])
            return
        try:
            while self._pending:
                size = min(len(self._pending), self._max_batch)
                batch = [self._pending.popleft() for _ in range(size)]
                outcomes = await self._outcomes(connection, [item for item, _ in batch])
                _settle_waiters([(w, o) for (_, w), o in zip(batch, outcomes, strict=True)])
        finally:
            self._flushers -= 1
            if not connection.is_closed():
                self._idle.append(connection)

    async def _connection(self) -> asyncpg.Connection:
        if self._idle:
            return self._idle.pop()
        # The statements served here have one shape whatever their values (codes travel in
        # arrays): left to itself PostgreSQL plans the check lookup again at every execution
        # (its generic plan is costed for ten codes, a custom one for one), about 0.3 ms each.
        return await asyncpg.connect(
            self._conninfo, server_settings={"plan_cache_mode": "force_generic_plan"}
        )

    async def _outcomes(
        self, connection: asyncpg.Connection, items: list[T]
    ) -> list[R | BaseException]:
        try:
            return list(await self._handler(connection, items))
        except Exception as exc:
            if len(items) == 1 or connection.is_closed():
                return [exc] * len(items)
            return [o for item in items for o in await self._outcomes(connection, [item])]
