"""The stored JSON of a record's fields (the canonical JSON without its null members) and the
digests that identify records and their content."""

from __future__ import annotations

import hashlib
import json

import polars as pl

from xinyong.catalog.registry import get_catalog
from xinyong.records.derive import canonical_fields, sha256_hex, stored_fields, values_frame


def _without_nulls(text: str) -> dict[str, object]:
    return {k: v for k, v in json.loads(text).items() if v is not None}


def test_stored_fields_are_the_canonical_fields_without_null_members() -> None:
    item = get_catalog().item("admin_penalty")
    rows = [
        # BZ is null in the first row only; CF_NR_FK in every row (left out of the encoding)
        {"CF_WSH": "示市监罚〔2026〕1号", "CF_CFLB": ["罚款", "警告"], "CF_XDR_MC": "甲"},
        {"CF_WSH": 'a "quoted" \\ value', "CF_CFLB": ["警告"], "BZ": "备注", "CF_XDR_MC": "乙"},
    ]
    frame = values_frame(item, rows)
    assert frame["CF_NR_FK"].null_count() == frame.height
    stored = stored_fields(item, frame).to_list()
    canonical = canonical_fields(item, frame).to_list()
    for text, full in zip(stored, canonical, strict=True):
        assert json.loads(text) == _without_nulls(full)
        assert list(json.loads(text)) == sorted(json.loads(text))  # keys stay sorted
        assert "null" not in text
    assert json.loads(stored[1])["BZ"] == "备注"
    assert "BZ" not in json.loads(stored[0])


def test_a_row_without_any_value_stores_an_empty_object() -> None:
    item = get_catalog().item("admin_penalty")
    frame = values_frame(item, [{}])
    assert stored_fields(item, frame).to_list() == ["{}"]


def test_sha256_hex_gives_the_digests_hashlib_gives() -> None:
    texts = ["", "abc", "示范市市场监督管理局", '{"CF_WSH":"示市监罚〔2026〕1号"}', "😀\x1f末"]
    digests = sha256_hex(pl.Series(texts, dtype=pl.String)).to_list()
    assert digests == [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
