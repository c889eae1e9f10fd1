"""Chunks prepared ahead in helper threads reach loading in file order, and a failure while
preparing reaches the caller instead of hanging the batch."""

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


def _prepare_slow_first(chunk: pl.DataFrame) -> Any:
    n = chunk["n"][0]
    time.sleep(0.05 if n % 2 == 0 else 0)  # even chunks finish after the odd ones after them
    return n


@pytest.mark.parametrize("workers", [1, 3])
def test_chunks_are_admitted_in_file_order(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr(pipeline, "STAGE_WORKERS", workers)
    admitted: list[int] = []

    def admit(n: Any) -> Any:
        admitted.append(n)
        return n

    read: list[int] = []
    staged = list(pipeline._ahead(_prepare_slow_first, admit, _chunks(7, read)))
    assert staged == admitted == list(range(7))


def test_a_failure_while_preparing_reaches_the_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "STAGE_WORKERS", 2)

    def prepare(chunk: pl.DataFrame) -> Any:
        if chunk["n"][0] == 2:
            raise ValueError("第3块无法清洗")
        return chunk["n"][0]

    read: list[int] = []
    loaded = []
    with pytest.raises(ValueError, match="第3块无法清洗"):
        for staged in pipeline._ahead(prepare, lambda n: n, _chunks(100, read)):
            loaded.append(staged)
    assert loaded == [0, 1]
    assert len(read) < 10  # reading stopped with the failure, not at the end of the file


def test_stopping_early_reads_no_further(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "STAGE_WORKERS", 2)
    read: list[int] = []
    with closing(pipeline._ahead(lambda c: c["n"][0], lambda n: n, _chunks(100, read))) as it:
        assert next(it) == 0
    assert len(read) <= 3
