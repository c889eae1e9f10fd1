"""CSV files are read in blocks of whole records: quoted newlines, quotes and block edges."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from xinyong.ingest import readers


@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_blocks_give_the_same_rows_as_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", block)
    rows = [
        [f"名称{n}", f'说"明"{n}\n第二行' if n % 3 == 0 else f"值{n}", "" if n % 4 else "备注"]
        for n in range(200)
    ]
    path = tmp_path / "f.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["名称", "说明", "备注"])
        writer.writerows(rows)
    opened = readers.open_file(path, chunk_rows=30)
    chunks = list(opened.chunks)
    assert [c.height for c in chunks] == [30] * 6 + [20]
    frame = pl.concat(chunks)
    assert frame.columns == [readers.ROW_NUMBER, "名称", "说明", "备注"]
    assert frame[readers.ROW_NUMBER].to_list() == list(range(2, 202))
    assert frame.drop(readers.ROW_NUMBER).rows() == [(a, b, c or None) for a, b, c in rows]
