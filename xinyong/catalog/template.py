"""The department's Excel template for a catalog item: headers, drop-down code lists, date
hints, and a second sheet explaining every field. Every cell is written through
``xinyong.safety.cells.xlsx_cell`` (catalog text cannot become a formula)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from xinyong.catalog.registry import Catalog
from xinyong.catalog.schema import CatalogItem, Condition, Field, FieldType
from xinyong.safety.cells import xlsx_cell

TEMPLATE_ROWS = 5000
REQUIRED_FILL = PatternFill("solid", fgColor="F4CCCC")
CONDITIONAL_FILL = PatternFill("solid", fgColor="FFF2CC")
OPTIONAL_FILL = PatternFill("solid", fgColor="D9EAD3")
TYPE_LABELS = {
    FieldType.text: "文本",
    FieldType.date: "日期（2024-05-01）",
    FieldType.decimal: "数字",
    FieldType.code: "代码（下拉选择）",
    FieldType.code_set: "代码集合（多个值用；分隔）",
    FieldType.uscc: "统一社会信用代码（18位）",
    FieldType.resident_id: "身份证号码（18位）",
    FieldType.subject_code: "统一社会信用代码或身份证号码",
}
REQUIRED_LABELS = {"R": "必填", "C": "条件必填", "O": "选填"}


def _condition_text(item: CatalogItem, cond: Condition | None) -> str:
    if cond is None:
        return ""
    other = item.field(cond.field).header
    if cond.present is not None:
        return f"{other}{'已' if cond.present else '未'}填写时必填"
    if cond.contains is not None:
        return f"{other}包含“{cond.contains}”时必填"
    return f"{other}为“{'、'.join(cond.in_ or cond.not_in or [])}”时必填"


def _fill(f: Field) -> PatternFill:
    return {"R": REQUIRED_FILL, "C": CONDITIONAL_FILL}.get(f.required, OPTIONAL_FILL)


def _code_sheet(workbook: Workbook, item: CatalogItem, catalog: Catalog) -> dict[str, str]:
    """A hidden sheet holding each code list in a column; returns list name -> range."""
    sheet = workbook.create_sheet("代码集")
    ranges = {}
    lists = sorted({f.code_list for f in item.fields if f.code_list})
    for index, name in enumerate(lists, start=1):
        values = [v.value for v in catalog.code_lists[name].values]
        sheet.cell(1, index, xlsx_cell(catalog.code_lists[name].label))
        for row, value in enumerate(values, start=2):
            sheet.cell(row, index, xlsx_cell(value))
        letter = get_column_letter(index)
        ranges[name] = f"'代码集'!${letter}$2:${letter}${len(values) + 1}"
    sheet.sheet_state = "hidden"
    return ranges


def _data_sheet(workbook: Workbook, item: CatalogItem, ranges: dict[str, str]) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "填报数据"
    for col, f in enumerate(item.fields, start=1):
        cell = sheet.cell(1, col, xlsx_cell(f.header))
        cell.font = Font(bold=True)
        cell.fill = _fill(f)
        cell.comment = Comment(
            f"{f.code}｜{TYPE_LABELS[f.type]}｜{REQUIRED_LABELS[f.required]}"
            + (f"：{_condition_text(item, f.when)}" if f.when else ""),
            "xinyong",
        )
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = max(12, min(40, len(f.header) * 2 + 4))
        area = f"{letter}2:{letter}{TEMPLATE_ROWS}"
        if f.type is FieldType.code and f.code_list:
            rule = DataValidation(
                type="list",
                formula1=ranges[f.code_list],
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="取值无效",
                error=f"请从下拉列表中选择{f.header}",
            )
            rule.add(area)
            sheet.add_data_validation(rule)
        elif f.type is FieldType.date:
            hint = DataValidation(
                type="date",
                operator="greaterThan",
                formula1="1",
                allow_blank=True,
                showInputMessage=True,
                promptTitle="日期格式",
                prompt="请填写日期，如 2024-05-01",
                showErrorMessage=True,
                error="请填写有效日期，如 2024-05-01",
            )
            hint.add(area)
            sheet.add_data_validation(hint)
            for row in range(2, 202):
                sheet.cell(row, col).number_format = "yyyy-mm-dd"
        elif f.type in (FieldType.uscc, FieldType.resident_id):
            for row in range(2, 202):
                sheet.cell(row, col).number_format = "@"
    sheet.freeze_panes = "A2"


def _guide_sheet(workbook: Workbook, item: CatalogItem, catalog: Catalog) -> None:
    sheet = workbook.create_sheet("填报说明", 1)
    for line in (
        [f"{item.name}（{item.code}，目录编号 {item.catalog_number}）"],
        [f"法律依据：{item.legal_basis}"],
        [f"报送时限：{item.update_frequency}；红色为必填，黄色为条件必填，绿色为选填。"],
        [],
        ["序号", "中文名称", "字段代码", "类型", "是否必填", "必填条件", "可选值", "说明"],
    ):
        sheet.append([xlsx_cell(v) for v in line])
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for number, f in enumerate(item.fields, start=1):
        values = ""
        if f.code_list:
            codes = catalog.code_lists[f.code_list]
            values = "、".join(v.value for v in codes.values)
            if codes.open_prefix:
                values += f"（也可填“{codes.open_prefix}具体类型”）"
        cells: list[object] = [
            number,
            f.header,
            f.code,
            TYPE_LABELS[f.type],
            REQUIRED_LABELS[f.required],
            _condition_text(item, f.when),
            values,
            f.description or "",
        ]
        sheet.append([xlsx_cell(v) for v in cells])
        sheet.cell(sheet.max_row, 2).fill = _fill(f)
    for letter, width in zip("ABCDEFGH", (6, 28, 16, 24, 10, 30, 50, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_template(item: CatalogItem, catalog: Catalog, target: Path) -> Path:
    workbook = Workbook()
    ranges = _code_sheet(workbook, item, catalog)
    _data_sheet(workbook, item, ranges)
    _guide_sheet(workbook, item, catalog)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target
