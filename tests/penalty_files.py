"""Realistic penalty rows and real files (CSV in three encodings, XLSX, JSON Lines) for tests."""

from __future__ import annotations

import csv
import json
import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

from xinyong.demo.identities import IdentityMaker

_maker = IdentityMaker(random.Random(2026))
AUTHORITY = _maker.uscc("11", "440500")
COMPANIES = [(_maker.uscc("91", "440507"), f"示范市测试{n}贸易有限公司") for n in range(40)]

HEADERS = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "备注",
]


def good_row(n: int, company: int | None = None, **overrides: Any) -> dict[str, Any]:
    code, name = COMPANIES[(n if company is None else company) % len(COMPANIES)]
    row = {
        "行政相对人名称": name,
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": code,
        "法定代表人": "陈一鸣",
        "行政处罚决定书文号": f"示市监罚〔2026〕{n + 1}号",
        "违法行为类型": "未按规定明码标价",
        "违法事实": "经查，当事人未按规定明码标价。",
        "处罚依据": "《中华人民共和国价格法》第四十二条",
        "处罚类别": "罚款",
        "处罚内容": "罚款人民币2000元",
        "罚款金额（万元）": "0.2",
        "处罚决定日期": "2026-05-01",
        "处罚有效期": "2026-11-01",
        "公示截止期": "",
        "处罚机关": "示范市市场监督管理局",
        "处罚机关统一社会信用代码": AUTHORITY,
        "数据来源单位": "示范市市场监督管理局",
        "数据来源单位统一社会信用代码": AUTHORITY,
        "备注": "",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    encoding: str = "utf-8",
    headers: list[str] | None = None,
) -> Path:
    columns = headers or list(rows[0])
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path,
    rows: list[dict[str, Any]],
    date_columns: tuple[str, ...] = (),
    serial_columns: tuple[str, ...] = (),
) -> Path:
    """An Excel file; some date columns as real Excel dates, some as serial numbers."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    columns = list(rows[0])
    sheet.append(columns)
    for row in rows:
        values: list[Any] = []
        for column in columns:
            value = row[column]
            try:
                if value and column in date_columns:
                    value = datetime.fromisoformat(value)
                elif value and column in serial_columns:
                    value = (date.fromisoformat(value) - date(1899, 12, 30)).days
            except ValueError:
                pass  # an impossible date stays text, as a clerk would have typed it
            values.append(value if value != "" else None)
        sheet.append(values)
    workbook.save(path)
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
