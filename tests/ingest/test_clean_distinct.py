"""Cleaning a field once per distinct raw value gives exactly what cleaning row by row gives."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from penalty_files import COMPANIES, HEADERS, good_row

from xinyong.catalog.registry import get_catalog
from xinyong.ingest import clean
from xinyong.ingest.headers import map_headers

TODAY = date(2026, 11, 22)
# Repeated values with every kind of fix and defect, nulls and empty strings among them.
VARIANTS = [
    {},
    {"处罚决定日期": "2026年5月1日", "处罚有效期": "20261101"},
    {"处罚决定日期": "45413", "处罚有效期": "2026/11/1"},
    {"处罚决定日期": "2026-02-30"},
    {"处罚决定日期": "", "处罚类别": "罚款；警告", "罚款金额（万元）": "０.２"},
    {"处罚类别": "罚款,没收违法所得", "罚款金额（万元）": "两千"},
    {"处罚类别": "训诫"},
    {"统一社会信用代码": COMPANIES[1][0].lower(), "行政相对人类别": " 法人及非法人组织 "},
    {"统一社会信用代码": COMPANIES[2][0][:-1] + "0"},
    {"处罚机关统一社会信用代码": "", "罚款金额（万元）": None},
    {"处罚内容": "罚款人民币5000元"},  # disagrees with 0.2 万元: flagged
    {"处罚内容": "罚款0.2万元"},
]


def _cleaned(rows: list[dict[str, object]], repeats: int, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clean, "REPEATS_FOR_DISTINCT", repeats)
    item = get_catalog().item("admin_penalty")
    frame = pl.DataFrame(
        {h: [r.get(h) for r in rows] for h in HEADERS}, schema={h: pl.String for h in HEADERS}
    )
    headers = map_headers(item, HEADERS)
    return clean.clean_chunk(frame, item, headers, get_catalog(), TODAY, clean.CodeChecker(TODAY))


def test_distinct_and_row_by_row_cleaning_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [good_row(n) | VARIANTS[n % len(VARIANTS)] for n in range(200)]
    by_distinct = _cleaned(rows, 1, monkeypatch)  # every non-text field by distinct value
    by_row = _cleaned(rows, 10**9, monkeypatch)  # none
    assert by_distinct.columns == by_row.columns
    assert by_distinct.equals(by_row)
    errors = by_row[clean.ERRORS]
    assert errors.list.len().sum() > 0 and by_row[clean.FIXES].list.len().sum() > 0
    assert by_row[clean.FLAGS].list.len().sum() == len(rows) // len(VARIANTS)


def test_the_code_checker_remembers_valid_codes_and_still_finds_new_bad_ones() -> None:
    checker = clean.CodeChecker(TODAY)
    good = [code for code, _ in COMPANIES[:5]]
    bad = COMPANIES[6][0][:-1] + ("0" if COMPANIES[6][0][-1] != "0" else "1")
    uscc = clean.FieldType.uscc
    assert checker.problems(uscc, pl.Series(good)) == {}
    assert len(checker._valid[uscc]) == 5
    later = checker.problems(uscc, pl.Series([*good, bad, COMPANIES[7][0]]))
    assert list(later) == [bad] and "校验" in later[bad]
    assert len(checker._valid[uscc]) == 6  # the new good code, not the bad one
