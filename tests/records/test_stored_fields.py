"""The stored values of a record's fields (arrays in the order of a layout, holding what the
canonical JSON holds) and the digests that identify records and their content."""

from __future__ import annotations

import hashlib
import json

import polars as pl

from xinyong.catalog.registry import get_catalog
from xinyong.records.derive import _field_values, encode_fields, sha256_of, values_frame
from xinyong.records.layouts import as_dict


def _without_nulls(text: str) -> dict[str, object]:
    return {k: v for k, v in json.loads(text).items() if v is not None}


def _reference_canonical(frame: pl.DataFrame) -> list[str]:
    """The canonical JSON as first defined: the whole struct encoded at once (content hashes
    already stored were computed so; the assembled encoding must give the same bytes)."""
    item = get_catalog().item("admin_penalty")
    encoded = pl.struct(_field_values(item, sorted(item.field_codes))).struct.json_encode()
    return frame.select(encoded.alias("j"))["j"].to_list()


ROWS = [
    # BZ is null in the first row only; CF_NR_FK in every row (left out of the layout)
    {"CF_WSH": "示市监罚〔2026〕1号", "CF_CFLB": ["罚款", "警告"], "CF_XDR_MC": "甲"},
    # values that spell a member name, quotes, backslashes, control characters, emoji
    {
        "CF_WSH": 'a "quoted" \\ "BZ": value',
        "CF_CFLB": ["警告"],
        "BZ": "备注\n第二行\t\u0001😀",
        "CF_XDR_MC": "乙",
    },
]


def test_stored_values_hold_the_canonical_fields_in_the_order_of_their_codes() -> None:
    item = get_catalog().item("admin_penalty")
    frame = values_frame(item, ROWS)
    assert frame["CF_NR_FK"].null_count() == frame.height
    encoded = encode_fields(item, frame)
    codes = encoded.codes
    assert list(codes) == sorted(codes) and "CF_NR_FK" not in codes and "BZ" in codes
    assert encoded.canonical.to_list() == _reference_canonical(frame)
    for text, full in zip(encoded.stored.to_list(), encoded.canonical.to_list(), strict=True):
        values = json.loads(text)
        assert isinstance(values, list) and len(values) == len(codes)
        assert as_dict(codes, values) == _without_nulls(full)
    second = as_dict(codes, json.loads(encoded.stored[1]))
    assert second["CF_WSH"] == ROWS[1]["CF_WSH"] and second["BZ"] == ROWS[1]["BZ"]
    assert "BZ" not in as_dict(codes, json.loads(encoded.stored[0]))


def test_stored_values_take_id_numbers_from_the_protected_frame() -> None:
    item = get_catalog().item("admin_penalty")
    rows = [r | {"CF_FR_ZJHM": "440507198001011234"} for r in ROWS]
    frame = values_frame(item, rows)
    protected = frame.with_columns(pl.lit("enc:xyz").alias("CF_FR_ZJHM"))
    encoded = encode_fields(item, frame, protected)
    assert all("440507198001011234" in text for text in encoded.canonical)
    stored = [as_dict(encoded.codes, json.loads(t)) for t in encoded.stored]
    assert [s["CF_FR_ZJHM"] for s in stored] == ["enc:xyz", "enc:xyz"]
    assert not any("440507198001011234" in text for text in encoded.stored)


def test_rows_without_any_value_store_empty_arrays() -> None:
    item = get_catalog().item("admin_penalty")
    for rows in ([{}], [{}, {}, {}], []):
        frame = values_frame(item, rows)
        encoded = encode_fields(item, frame, frame)
        assert encoded.stored.to_list() == ["[]"] * len(rows) and encoded.codes == ()
        assert encoded.canonical.to_list() == _reference_canonical(frame)


def test_sha256_of_gives_the_digests_hashlib_gives() -> None:
    texts = ["", "abc", "示范市市场监督管理局", '{"CF_WSH":"示市监罚〔2026〕1号"}', "😀\x1f末"]
    digests = pl.DataFrame({"t": texts}).select(sha256_of(pl.col("t")))["t"].to_list()
    assert digests == [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]


def test_columns_quoted_as_they_are_give_the_encoder_bytes() -> None:
    """Columns with a value in every row and nothing to escape are written straight into the
    text; a column with a gap, one with a quote and the protected one are encoded."""
    item = get_catalog().item("admin_penalty")
    rows = [
        {
            "CF_WSH": f"示市监罚〔2026〕{n}号",
            "CF_XDR_MC": "示范市鸿泰贸易有限公司",
            "CF_CFLB": ["罚款"],
            "BZ": None if n % 2 else "无",
            "CF_SY": 'a "b"' if n == 3 else "违法事实",
            "CF_FR_ZJHM": "440507198001011234",
        }
        for n in range(5)
    ]
    frame = values_frame(item, rows)
    protected = frame.with_columns(pl.lit("enc:xyz").alias("CF_FR_ZJHM"))
    encoded = encode_fields(item, frame, protected)
    assert encoded.canonical.to_list() == _reference_canonical(frame)
    for text, full in zip(encoded.stored.to_list(), encoded.canonical.to_list(), strict=True):
        stored = as_dict(encoded.codes, json.loads(text))
        assert stored == _without_nulls(full) | {"CF_FR_ZJHM": "enc:xyz"}
