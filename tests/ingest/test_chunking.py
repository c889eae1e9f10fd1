"""The first chunk of a batch is cut small so that loading starts sooner; no row is lost."""

from __future__ import annotations

import polars as pl

from xinyong.ingest.pipeline import FIRST_CHUNK_ROWS, _small_first


def _chunks(*sizes: int) -> list[pl.DataFrame]:
    frames, start = [], 0
    for size in sizes:
        frames.append(pl.DataFrame({"_row": range(start, start + size)}))
        start += size
    return frames


def test_a_large_first_chunk_is_cut_and_every_row_follows_in_order() -> None:
    out = list(_small_first(iter(_chunks(FIRST_CHUNK_ROWS + 500, 7, 3))))
    assert [f.height for f in out] == [FIRST_CHUNK_ROWS, 500, 7, 3]
    assert pl.concat(out)["_row"].to_list() == list(range(FIRST_CHUNK_ROWS + 510))


def test_small_chunks_pass_unchanged() -> None:
    assert [f.height for f in _small_first(iter(_chunks(5, 5, 2)))] == [5, 5, 2]
    assert list(_small_first(iter([]))) == []
