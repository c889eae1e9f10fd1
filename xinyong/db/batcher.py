"""Group commit: many small requests served in batches, one transaction per batch.

A request is handed to a worker thread, which takes whatever requests are waiting (up to
``max_batch``), serves them all in one session and one commit, and only then resolves each
caller's future. Callers therefore see their write durable before they answer, while the
database pays one round of locks, inserts and commit per batch instead of per request.
If a batch fails, its requests are retried one by one so that one bad request fails alone.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from xinyong.db.engine import session_factory

T = TypeVar("T")
R = TypeVar("R")

Handler = Callable[[Session, list[T]], list[R]]


@dataclass
class _Pending(Generic[T, R]):
    item: T
    future: Future[R]


class GroupCommit(Generic[T, R]):
    """Serve items through ``handler`` in batches on one worker thread.

    The worker exits after ``idle_seconds`` without work and starts again on the next
    ``submit``, so an unused service holds no thread and no connection.
    """

    def __init__(
        self,
        engine: Engine,
        handler: Handler[T, R],
        max_batch: int = 64,
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
        self._worker: threading.Thread | None = None

    def submit(self, item: T) -> Future[R]:
        pending: _Pending[T, R] = _Pending(item, Future())
        with self._lock:
            self._queue.put(pending)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._worker.start()
        return pending.future

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
                    self._worker = None
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
        try:
            results = self._run([p.item for p in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].future.set_exception(exc)
                return
            for pending in batch:
                self._serve([pending])
            return
        for pending, result in zip(batch, results, strict=True):
            pending.future.set_result(result)

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
