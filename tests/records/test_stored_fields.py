"""The stored JSON of a record's fields: the canonical JSON without its null members."""

from __future__ import annotations

import json

from xinyong.catalog.registry import get_catalog
from xinyong.records.derive import canonical_fields, stored_fields, values_frame


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
