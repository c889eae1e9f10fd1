"""The staging thread of a batch asks the loading thread, the only one that uses the
database session, to run a read for it (``pipeline._ahead`` runs such requests between
loads): old organisation codes are looked up this way."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Request:
    """Work the staging thread asks the loading thread to do (a database read)."""

    def __init__(self, work: Callable[[], Any]):
        self.work = work
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.work()
        except BaseException as exc:  # handed back to the asking thread
            self.error = exc
        finally:
            self.done.set()


class MainThread:
    """Lets the staging thread have the loading thread run something that needs the session
    (``_ahead`` runs the requests between loads); outside ``_ahead`` it runs at once."""

    def __init__(self) -> None:
        self.send: Callable[[Any], bool] | None = None
        self.stopped = threading.Event()

    def ask(self, work: Callable[[], Any]) -> Any:
        if self.send is None or threading.current_thread() is threading.main_thread():
            return work()
        request = Request(work)
        if not self.send(request):
            raise InterruptedError("批次已停止")
        while not request.done.wait(0.1):
            if self.stopped.is_set():  # the loading thread stopped before it ran the request
                raise InterruptedError("批次已停止")
        if request.error is not None:
            raise request.error
        return request.value
