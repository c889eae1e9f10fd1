"""Values as people write them (issue 28): amounts with units and currencies, placeholders,
combined code columns, JSON documents. The vectorised cleaning is checked against the plain
rules (``amounts.parse_amount``, ``Placeholders.means_empty``)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from xinyong.catalog.registry import get_catalog
from xinyong.ingest import clean
from xinyong.ingest.amounts import currency_names, parse_amount
from xinyong.ingest.headers import map_headers
from xinyong.ingest.raw import source_constants
from xinyong.ingest.readers import READ_ERROR, ROW_NUMBER, open_file

TODAY = date(2026, 11, 22)
MARKET = "11440500CC6K57744R"
CAPITALS = [
    "100",
    "1,000",
    "100(万元)",
    "1,000(万元人民币)",
    "100(万)",
    "85万人民币",
    "10(万美元)",
    "1,485.6000(万港币)",
    "440(万日元)",
    "100(万人民币元)",
    "360(万香港元)",
    "1.2亿元",
    "5000元",
    "人民币300万元",
    "美元20万元",  # two currencies: refused
    "１００（万元）",
    "两千",
    "100(万卢布)",
    "-5(万元)",
    None,
]
REGISTRATION_HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "注册日期",
    "法人代表",
    "注册资金",
    "注册地址",
]


def _registration(capitals: list[str | None], **columns: list[str | None]) -> pl.DataFrame:
    item = get_catalog().item("registration_basics")
    data: dict[str, list[str | None]] = {
        "企业名称": [f"海南示范{n}有限公司" for n in range(len(capitals))],
        "统一社会信用代码": ["914600007425904924"] * len(capitals),
        "注册日期": ["2003-01-02"] * len(capitals),
        "法人代表": ["吴建社"] * len(capitals),
        "注册资金": capitals,
        "注册地址": ["海口市龙昆北路2号"] * len(capitals),
        **columns,
    }
    frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
    headers = map_headers(item, list(data))
    source = source_constants(item, headers, "示范市市场监督管理局", MARKET)
    checker = clean.CodeChecker(TODAY)
    return clean.clean_chunk(frame, item, headers, get_catalog(), TODAY, checker, source)


def test_capital_fast_path_agrees_with_the_plain_rule() -> None:
    currencies = currency_names(get_catalog().code_lists["currency"])
    cleaned = _registration(CAPITALS)
    for row, written in zip(cleaned.iter_rows(named=True), CAPITALS, strict=True):
        expected = parse_amount(written, "万元", currencies, has_currency=True)
        negative = expected.value is not None and expected.value.startswith("-")
        assert row["DJ_ZCZB"] == expected.value, written
        assert row["DJ_ZCZB_BZ"] == expected.currency, written
        capital_errors = [e for e in row[clean.ERRORS] if "DJ_ZCZB" in e]
        if expected.error:
            assert capital_errors == [f"注册资本（万元）（DJ_ZCZB）“{written}”：{expected.error}"]
        else:
            assert bool(capital_errors) == negative, (written, capital_errors)


def test_capital_values_a_clerk_would_write() -> None:
    currencies = currency_names(get_catalog().code_lists["currency"])

    def read(text: str) -> tuple[str | None, str | None]:
        amount = parse_amount(text, "万元", currencies, has_currency=True)
        return amount.value, amount.currency

    assert read("1,000(万元人民币)") == ("1000", "人民币")
    assert read("100(万)") == ("100", None)
    assert read("85万人民币") == ("85", "人民币")
    assert read("10(万美元)") == ("10", "美元")
    assert read("1,485.6000(万港币)") == ("1485.6000", "港币")
    assert read("1.2亿元") == ("12000", "人民币")
    assert read("5000元") == ("0.5", "人民币")
    fine = parse_amount("10(万美元)", "万元", currencies, has_currency=False)
    assert fine.value is None and fine.error and "美元" in fine.error  # a fine is in yuan


def test_a_currency_column_that_disagrees_with_the_written_one_is_rejected() -> None:
    cleaned = _registration(["10(万美元)", "10(万美元)"], 币种=["人民币", "美元"])
    first, second = cleaned.iter_rows(named=True)
    assert any("所写币种“美元”与币种字段不一致" in e for e in first[clean.ERRORS])
    assert second[clean.ERRORS] == [] and second["DJ_ZCZB_BZ"] == "美元"


@pytest.mark.parametrize("placeholder", ["N/A", " n/a ", "无", "-", "/", "NULL", "暂无"])
def test_a_placeholder_is_empty_by_one_rule(placeholder: str) -> None:
    assert get_catalog().placeholders.means_empty(placeholder)
    optional = _registration([placeholder])  # 注册资本 is optional: simply empty
    row = optional.row(0, named=True)
    assert row["DJ_ZCZB"] is None and row[clean.ERRORS] == []
    assert any("表示空缺，按空值处理" in f for f in row[clean.FIXES])
    required = _registration(["100(万元)"], 法人代表=[placeholder])  # required: rejected
    errors = required.row(0, named=True)[clean.ERRORS]
    assert errors == [
        f"法定代表人（负责人）（DJ_FDDBR）：必填项为空（“{placeholder}”表示空缺，不是有效值）"
    ]


@pytest.mark.parametrize("value", ["N/A公司", "无锡示范有限公司", "-5", "NA-1"])
def test_values_that_only_contain_a_placeholder_are_kept(value: str) -> None:
    assert not get_catalog().placeholders.means_empty(value)
    row = _registration(["100"], 注册地址=[value]).row(0, named=True)
    assert row["DJ_ZS"] == value


def _debtor_frame(codes: list[str]) -> pl.DataFrame:
    item = get_catalog().item("dishonest_judgment_debtor")
    headers = ["被执行人姓名/名称", "身份证号码/组织机构代码"]
    frame = pl.DataFrame({headers[0]: ["某某"] * len(codes), headers[1]: codes})
    return clean.clean_chunk(
        frame, item, map_headers(item, headers), get_catalog(), TODAY, clean.CodeChecker(TODAY)
    )


def test_a_combined_code_column_sends_id_numbers_to_the_id_field() -> None:
    # a valid USCC of all digits, shaped like an ID number (a public institution's): stays
    valid_digits = "124405001000000082"
    masked_person = "4101**********1234"
    broken_uscc = "914405070000000000"  # begins with 9: never an ID number
    person = "110101199003074514"
    codes = [valid_digits, masked_person, "91230199744190927K", broken_uscc, person]
    rows = list(_debtor_frame(codes).iter_rows(named=True))
    assert (rows[0]["SX_SHXYM"], rows[0]["SX_LB"]) == (valid_digits, "法人及非法人组织")
    assert rows[1]["SX_SHXYM"] is None and rows[1]["SX_LB"] == "自然人"
    assert rows[2]["SX_LB"] == "法人及非法人组织"
    assert (rows[3]["SX_SHXYM"], rows[3]["SX_LB"]) == (broken_uscc, "法人及非法人组织")
    assert any("SX_SHXYM" in e for e in rows[3][clean.ERRORS])
    assert (rows[4]["SX_ZJHM"], rows[4]["SX_LB"]) == (person, "自然人")


def test_a_json_document_of_rows_is_read_as_its_rows(tmp_path: Path) -> None:
    rows = [{"name": "甲", "code": "1"}, {"name": "乙", "code": "2"}, "not an object"]
    under_key = tmp_path / "export.json"
    under_key.write_text(json.dumps({"erDataList": rows, "total": 3}), encoding="utf-8")
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    for path in (under_key, listed):
        opened = open_file(path)
        assert opened.source.headers == ["name", "code"]
        frame = pl.concat(list(opened.chunks), how="diagonal")
        assert frame[ROW_NUMBER].to_list() == [1, 2, 3]
        assert frame["name"].to_list()[:2] == ["甲", "乙"]
        assert frame[READ_ERROR].to_list()[:2] == [None, None]
        assert "第3条应为 JSON 对象" in frame[READ_ERROR][2]
    lines = tmp_path / "rows.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in rows[:2]), encoding="utf-8")
    assert pl.concat(list(open_file(lines).chunks)).height == 2  # JSON Lines stay lines


def test_the_vectorised_placeholder_rule_is_the_plain_one() -> None:
    from xinyong.ingest.raw import _placeholder

    rule = get_catalog().placeholders
    cells = ["N/A", "n/a", " N/A", "N/A  ", "\u3000无\u3000", "\tNULL", "   N/A", "N/A   "]
    cells += ["无锡", "N/A公司", "", " ", "-5", "—", "——", "#n/a", "None", "NaN", "不详", "x"]
    found = pl.select(_placeholder(pl.Series(cells), rule.spellings)).to_series().to_list()
    assert found == [rule.means_empty(c) for c in cells]
    assert found[:6] == [True] * 6 and found[6:8] == [False, False]  # at most two around it
