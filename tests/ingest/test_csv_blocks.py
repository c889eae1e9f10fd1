"""CSV files are read in blocks of whole records: quoted newlines, quotes and block edges."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from xinyong.ingest import csvfile, readers


@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_blocks_give_the_same_rows_as_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(csvfile, "CSV_BLOCK_BYTES", block)
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


def _write_lines(path: Path, parts: list[tuple[str, str]]) -> Path:
    with path.open("wb") as handle:
        for text, encoding in parts:
            handle.write(text.encode(encoding))
    return path


def test_a_gbk_row_in_a_utf8_file_is_rejected_alone_with_a_clear_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfile, "ENCODING_PROBE_BYTES", 64)
    monkeypatch.setattr(csvfile, "CSV_BLOCK_BYTES", 4096)
    # (past the first blocks any reader takes for the header)
    utf8 = "名称,说明\n" + "".join(f"示范企业{n},正常\n" for n in range(5000))
    path = _write_lines(
        tmp_path / "mixed.csv",
        [(utf8, "utf-8"), ("后来的企业,国标编码\n", "gbk"), ("最后的企业,正常\n", "utf-8")],
    )
    opened = readers.open_file(path)
    assert opened.source.encoding == "utf-8-sig"
    rows = pl.concat(list(opened.chunks), how="diagonal")
    assert rows.height == 5002
    faulty = rows.filter(pl.col(readers.READ_ERROR).is_not_null())
    assert faulty[readers.ROW_NUMBER].to_list() == [5002]
    assert "无法按 UTF-8 解码" in faulty[readers.READ_ERROR][0]
    assert rows["名称"].to_list()[-1] == "最后的企业"


def test_a_gbk_file_whose_start_is_plain_ascii_is_still_read_as_gbk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfile, "ENCODING_PROBE_BYTES", 64)
    ascii_start = "name,note\n" + "".join(f"company{n},ok\n" for n in range(20))
    path = _write_lines(
        tmp_path / "gbk.csv", [(ascii_start, "ascii"), ("示范企业,国标编码\n", "gbk")]
    )
    opened = readers.open_file(path)
    assert opened.source.encoding == "gb18030"
    rows = pl.concat(list(opened.chunks))
    opened.close()
    assert rows["name"].to_list()[-1] == "示范企业"
