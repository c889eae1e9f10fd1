"""The Excel template a department fills in: `xinyong catalog template ITEM --out F.xlsx`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import ACME, AUTHORITY
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.cli.main import cli
from xinyong.ingest.pipeline import ingest_file

ITEM = "admin_penalty"


@pytest.fixture
def template(tmp_path: Path) -> Path:
    target = tmp_path / "行政处罚模板.xlsx"
    result = CliRunner().invoke(cli, ["catalog", "template", ITEM, "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert "报送模板" in result.output
    return target


def _column_of(sheet: Worksheet, header: str) -> str:
    for cell in sheet[1]:
        if cell.value == header:
            return get_column_letter(cell.column)
    raise AssertionError(f"no column {header}")


def _range_values(workbook: Any, reference: str) -> list[str]:
    sheet_name, cells = reference.split("!")
    sheet = workbook[sheet_name.strip("'")]
    return [row[0].value for row in sheet[cells.replace("$", "")]]


def test_first_sheet_has_the_catalog_headers_in_order(template: Path) -> None:
    item = get_catalog().item(ITEM)
    workbook = load_workbook(template)

    first = workbook.worksheets[0]

    assert first.title == "填报数据"
    headers = [cell.value for cell in first[1]]
    assert headers == [f.header for f in item.fields]
    assert first.freeze_panes == "A2"


def test_code_field_offers_a_drop_down_from_the_hidden_code_sheet(template: Path) -> None:
    catalog = get_catalog()
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    column = _column_of(sheet, "行政相对人类别")

    rules = [
        rule
        for rule in sheet.data_validations.dataValidation
        if rule.type == "list" and f"{column}2" in str(rule.sqref)
    ]

    assert len(rules) == 1
    reference = rules[0].formula1
    assert reference.startswith("'代码集'!")
    expected = [v.value for v in catalog.code_lists["counterparty_category"].values]
    assert _range_values(workbook, reference) == expected
    assert workbook["代码集"].sheet_state == "hidden"


def test_date_fields_get_a_date_check(template: Path) -> None:
    sheet = load_workbook(template).worksheets[0]
    column = _column_of(sheet, "处罚决定日期")

    kinds = {
        rule.type
        for rule in sheet.data_validations.dataValidation
        if f"{column}2" in str(rule.sqref)
    }

    assert kinds == {"date"}


def test_guide_sheet_lists_every_field_code(template: Path) -> None:
    item = get_catalog().item(ITEM)
    workbook = load_workbook(template)

    guide = workbook["填报说明"]

    assert workbook.sheetnames.index("填报说明") == 1
    assert ITEM in guide["A1"].value
    listed = [row[2].value for row in guide.iter_rows(min_row=6)]
    assert listed == [f.code for f in item.fields]


def test_unknown_item_gives_no_template(tmp_path: Path) -> None:
    target = tmp_path / "x.xlsx"
    result = CliRunner().invoke(cli, ["catalog", "template", "no_such_item", "--out", str(target)])
    assert result.exit_code != 0 and "不存在" in result.output
    assert not target.exists()


def _penalty(number: str, decided: Any) -> dict[str, Any]:
    return {
        "行政相对人名称": "示范市鸿泰贸易有限公司",
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": ACME,
        "法定代表人": "陈一鸣",
        "行政处罚决定书文号": number,
        "违法行为类型": "未按规定明码标价",
        "违法事实": "经查，当事人未按规定明码标价。",
        "处罚依据": "《中华人民共和国价格法》第四十二条",
        "处罚类别": "罚款",
        "处罚内容": "罚款人民币2000元",
        "罚款金额（万元）": 0.2,
        "处罚决定日期": decided,
        "处罚有效期": datetime(2026, 11, 1),
        "处罚机关": "示范市市场监督管理局",
        "处罚机关统一社会信用代码": AUTHORITY,
        "数据来源单位": "示范市市场监督管理局",
        "数据来源单位统一社会信用代码": AUTHORITY,
    }


def test_filled_template_loads_and_bad_rows_come_back_as_excel(
    session: Session, template: Path, tmp_path: Path
) -> None:
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[1]}
    rows = [
        _penalty("示市监罚〔2026〕1号", datetime(2026, 5, 1)),
        _penalty("示市监罚〔2026〕2号", "2026-02-30"),
    ]
    for line, row in enumerate(rows, start=2):
        for header, value in row.items():
            sheet.cell(line, columns[header], value)
    filled = tmp_path / "filled" / "五月行政处罚.xlsx"
    filled.parent.mkdir()
    workbook.save(filled)

    result = ingest_file(session, ITEM, filled, actor=Actor("cli:test", "local"))
    session.commit()

    assert (result.total, result.accepted, result.rejected) == (2, 1, 1)
    assert result.error_kinds == {"CF_JDRQ": 1}
    assert result.rejected_file is not None
    rejected_path = Path(result.rejected_file)
    assert rejected_path.suffix == ".xlsx" and rejected_path.exists()
    rejected = load_workbook(rejected_path).worksheets[0]
    returned_headers = [cell.value for cell in rejected[1]]
    assert returned_headers[-1] == "错误说明"
    body = [
        dict(zip(returned_headers, row, strict=True))
        for row in rejected.iter_rows(2, values_only=True)
    ]
    assert len(body) == 1
    assert body[0]["行政处罚决定书文号"] == "示市监罚〔2026〕2号"
    assert body[0]["原行号"] == 3
    assert "处罚决定日期" in body[0]["错误说明"]
