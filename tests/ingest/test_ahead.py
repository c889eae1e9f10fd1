"""Chunks staged ahead in a helper thread reach loading in file order, a failure while staging
reaches the loader instead of hanging the batch, and stopping early stops the reading."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import polars as pl
import pytest

from xinyong.ingest import pipeline


def _chunks(count: int, read: list[int]) -> Iterator[pl.DataFrame]:
    for n in range(count):
        read.append(n)
        yield pl.DataFrame({"n": [n]})


def test_chunks_reach_loading_in_file_order() -> None:
    def stage(chunk: pl.DataFrame) -> Any:
        n = chunk["n"][0]
        time.sleep(0.02 if n % 2 == 0 else 0)
        return n

    read: list[int] = []
    assert list(pipeline._ahead(stage, _chunks(7, read))) == list(range(7))


def test_a_failure_while_staging_reaches_the_loader() -> None:
    def stage(chunk: pl.DataFrame) -> Any:
        if chunk["n"][0] == 2:
            raise ValueError("第3块无法清洗")
        return chunk["n"][0]

    read: list[int] = []
    loaded = []
    with pytest.raises(ValueError, match="第3块无法清洗"):
        for staged in pipeline._ahead(stage, _chunks(100, read)):
            loaded.append(staged)
    assert loaded == [0, 1]
    assert len(read) == 3  # reading stopped with the failure, not at the end of the file


def test_stopping_early_stops_the_helper() -> None:
    read: list[int] = []
    with closing(pipeline._ahead(lambda c: c["n"][0], _chunks(100, read))) as staged:
        assert next(staged) == 0
    settled = len(read)
    time.sleep(0.3)
    assert len(read) == settled <= 4  # the chunks staged ahead, nothing after the stop


def test_staging_asks_the_loading_thread_to_read_for_it() -> None:
    """A database read the staging thread needs (old organisation codes) runs on the loading
    thread, between loads; stopping early does not leave the staging thread waiting."""
    import threading

    from xinyong.ingest.mainthread import MainThread

    main = MainThread()
    ran_on: list[str] = []

    def stage(chunk: pl.DataFrame) -> Any:
        asked = main.ask(lambda: ran_on.append(threading.current_thread().name) or "ok")
        return (chunk["n"][0], asked)

    read: list[int] = []
    loaded = list(pipeline._ahead(stage, _chunks(3, read), main))
    assert loaded == [(0, "ok"), (1, "ok"), (2, "ok")]
    assert ran_on == [threading.current_thread().name] * 3  # the loading thread
    assert main.send is None  # outside _ahead a request runs at once
    with closing(pipeline._ahead(stage, _chunks(100, read), main)) as staged:
        next(staged)
    assert len(read) < 100
