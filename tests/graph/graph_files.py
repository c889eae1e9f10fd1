"""CSV rows of the graph items, as the market regulator would send them."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path
from typing import Any

from helpers import AUTHORITY

from xinyong.demo.identities import IdentityMaker

_ids = IdentityMaker(random.Random(2121))
COMPANY = [_ids.uscc("91", "440500") for _ in range(12)]
PERSON_ID = [_ids.resident_id("440507", date(1970 + n, 3, 1)) for n in range(6)]
SOURCE = {"数据来源单位": "示范市市场监督管理局", "数据来源单位统一社会信用代码": AUTHORITY}


def company_name(n: int) -> str:
    return f"示范市测试{n}号有限公司"


def holding_row(
    target: int,
    *,
    company: int | None = None,
    person: int | None = None,
    name: str | None = None,
    ratio: str | None = None,
    subscribed: str = "100",
    since: str = "",
    until: str = "",
    partner: str = "",
) -> dict[str, Any]:
    row = {
        "主体名称": company_name(target),
        "统一社会信用代码": COMPANY[target],
        "股东名称": name or (company_name(company) if company is not None else f"股东{person}"),
        "认缴出资额（万元）": subscribed,
        "认缴出资方式": "货币",
        "认缴出资日期": "2020-01-01",
        "认缴出资比例（%）": ratio or "",
        "成为股东日期": since,
        "退出日期": until,
        "合伙人类型": partner,
        **SOURCE,
    }
    if company is not None:
        row |= {"股东类型": "企业法人", "股东统一社会信用代码": COMPANY[company]}
    elif person is not None:
        row |= {
            "股东类型": "自然人股东",
            "股东证件类型": "身份证",
            "股东证件号码": PERSON_ID[person],
        }
    else:
        row |= {"股东类型": "外国（地区）投资者"}  # full-width, as typed
    return row


def officer_row(target: int, person: int, position: str, legal: bool = False) -> dict[str, Any]:
    return {
        "主体名称": company_name(target),
        "统一社会信用代码": COMPANY[target],
        "姓名": f"股东{person}",
        "证件类型": "身份证",
        "证件号码": PERSON_ID[person],
        "职务": position,
        "是否法定代表人": "是" if legal else "否",
        "任职日期": "2021-05-01",
        **SOURCE,
    }


def change_row(target: int) -> dict[str, Any]:
    return {
        "主体名称": company_name(target),
        "统一社会信用代码": COMPANY[target],
        "变更事项": "投资人变更",
        "变更前内容": "股东0",
        "变更后内容": "股东1",
        "变更日期": "2024年6月1日",
        **SOURCE,
    }


def report_row(target: int, year: int = 2025) -> dict[str, Any]:
    return {
        "主体名称": company_name(target),
        "统一社会信用代码": COMPANY[target],
        "报告年度": str(year),
        "企业经营状态": "存续",
        "报送日期": f"{year + 1}-05-20",
        "是否按时报送": "是",
        "从业人数": "10-49人",
        **SOURCE,
    }


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    headers: list[str] = []
    for row in rows:
        headers += [h for h in row if h not in headers]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, headers)
        writer.writeheader()
        writer.writerows(rows)
    return path
