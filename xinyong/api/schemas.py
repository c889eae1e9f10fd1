"""Response models; their examples document the OpenAPI page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SubjectSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "914405007080295548",
                    "ref": "914405007080295548",
                    "name": "示范市鸿泰贸易有限公司",
                    "kind": "enterprise",
                    "kind_label": "企业",
                    "region": "440500",
                }
            ]
        }
    )

    code: str = Field(description="统一社会信用代码；自然人为脱敏后的身份证号码（公开视图）")
    ref: str = Field(
        description="可用于 /api/v1/subjects/{code} 的引用（自然人为不可逆的 P 开头引用）"
    )
    name: str
    kind: str = Field(description="主体类别：enterprise、individual_business、natural_person 等")
    kind_label: str
    region: str | None = None


class SubjectList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "code": "914405007080295548",
                            "ref": "914405007080295548",
                            "name": "示范市鸿泰贸易有限公司",
                            "kind": "enterprise",
                            "kind_label": "企业",
                            "region": "440500",
                        },
                        {
                            "code": "4405**********2318",
                            "ref": "P3F9A1C07B24E6D58A0F1",
                            "name": "林晓华",
                            "kind": "natural_person",
                            "kind_label": "自然人",
                            "region": "440511",
                        },
                    ],
                    "total": 2,
                }
            ]
        }
    )

    items: list[SubjectSummary]
    total: int


class RecordOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1201,
                    "item": "admin_penalty",
                    "item_name": "行政处罚信息",
                    "decision_date": "2026-05-01",
                    "valid_from": None,
                    "valid_to": "2026-05-01",
                    "publicity_until": "2027-04-30",
                    "severity": "general",
                    "amount_yuan": "2000.00",
                    "disputed": False,
                    "fields": {
                        "CF_WSH": "示市监罚〔2026〕12号",
                        "CF_CFLB": ["罚款"],
                        "CF_NR_FK": "0.2",
                    },
                    "labels": {"CF_WSH": "行政处罚决定书文号"},
                }
            ]
        }
    )

    id: int
    item: str
    item_name: str
    decision_date: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    publicity_until: date | None = Field(None, description="公示截止日（含当日）")
    severity: str | None = Field(None, description="处罚轻重：minor、general、serious")
    amount_yuan: Decimal | None = Field(None, description="金额（元）")
    disputed: bool = Field(False, description="存在异议、正在核实")
    fields: dict[str, Any]
    labels: dict[str, str]
    status: str | None = Field(None, description="仅政务视图：active、withdrawn、repaired ...")
    version: int | None = None
    published_at: datetime | None = None
    batch_id: int | None = None


class SubjectDetail(SubjectSummary):
    legal_representative: str | None = None
    address: str | None = None
    registered_on: date | None = None
    former_names: list[str] = []
    counts: dict[str, int] = Field(description="按目录项统计的记录数")
    records: list[RecordOut]
    purpose_required: str | None = Field(
        None, description="政务用户查看自然人而未说明用途时：身份证号码已脱敏、记录未显示的原因"
    )


class CatalogItemSummary(BaseModel):
    code: str
    catalog_number: str
    name: str
    category: str
    openness: str
    publicity: str
    legal_basis: str
    update_frequency: str
    subject_kinds: list[str]
    fields: list[dict[str, Any]]


class CatalogOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "code": "admin_penalty",
                            "catalog_number": "03002",
                            "name": "行政处罚信息",
                            "category": "administrative",
                            "openness": "public",
                            "publicity": "penalty_tiers",
                            "legal_basis": "《中华人民共和国行政处罚法》（2021）第四十八条；"
                            "《信用修复管理办法》（国家发展改革委令第36号）",
                            "update_frequency": "作出决定之日起7个工作日内",
                            "subject_kinds": [
                                "enterprise",
                                "individual_business",
                                "natural_person",
                            ],
                            "fields": [
                                {
                                    "code": "CF_XDR_MC",
                                    "header": "行政相对人名称",
                                    "aliases": [],
                                    "type": "text",
                                    "required": "R",
                                    "max_length": 200,
                                }
                            ],
                        }
                    ],
                    "total": 1,
                }
            ]
        }
    )

    items: list[CatalogItemSummary]
    total: int


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(description="ready 或 not_ready", examples=["ready"])
    database: str = Field(description="ok 或 unavailable", examples=["ok"])
    revision: str | None = Field(description="数据库的迁移版本", examples=["0027"])
    expected: str = Field(description="程序要求的迁移版本", examples=["0027"])
    reason: str | None = Field(default=None, description="未就绪的原因", examples=[None])


class IngestOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "batch_id": 12,
                    "item": "admin_penalty",
                    "total": 1000,
                    "accepted": 980,
                    "fixed": 35,
                    "rejected": 20,
                    "flagged": 3,
                    "new": 970,
                    "updated": 10,
                    "unchanged": 0,
                    "new_subjects": 41,
                    "code_conflicts": 1,
                    "rejected_file": "/api/v1/ingest/batches/12/rejected",
                    "duration_s": 0.8,
                    "unknown_columns": [],
                    "ignored_columns": ["DFBM"],
                    "notes": [],
                    "error_kinds": {"CF_JDRQ": 12, "CF_XDR_SHXYM": 8},
                    "timeliness": {},
                }
            ]
        }
    )

    batch_id: int
    item: str
    total: int = Field(description="输入行数 = accepted + rejected")
    accepted: int = Field(description="接收行数（含修正后接收）= new + updated + unchanged")
    fixed: int = Field(description="经自动修正后接收的行数")
    rejected: int
    flagged: int = Field(description="已接收但需核对的行数")
    new: int
    updated: int
    unchanged: int
    new_subjects: int
    code_conflicts: int
    rejected_file: str | None = Field(None, description="退回文件下载地址（含“错误说明”列）")
    duration_s: float
    unknown_columns: list[str]
    ignored_columns: list[str]
    notes: list[str]
    error_kinds: dict[str, int]
    timeliness: dict[str, Any]


class DepartmentQualityOut(BaseModel):
    department: str
    department_uscc: str | None
    batches: int
    rows: int
    accepted: int
    fixed: int
    rejected: int
    acceptance_rate: float | None
    error_kinds: dict[str, int]
    timely_records: int
    timed_records: int
    share_timely: float | None = Field(None, description="决定后7个工作日内报送的比例")
    open_code_conflicts: int


_BINARY = {"schema": {"type": "string", "format": "binary"}}
# The rejected rows come back in the format the department sent (ingest/rejects.py).
REJECTED_DOWNLOAD = {
    "text/csv": _BINARY,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _BINARY,
    "text/plain": _BINARY,
}
REJECTED_DOWNLOAD_TEXT = (
    "退回文件，格式同报送文件：CSV（text/csv）、Excel（.xlsx）或 JSON Lines（.jsonl，"
    "以 text/plain 返回）；比原文件多“原行号”“错误说明”两列"
)


class QualityOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "departments": [
                        {
                            "department": "示范市市场监督管理局",
                            "department_uscc": "11440500MB2C09876K",
                            "batches": 12,
                            "rows": 4800,
                            "accepted": 4725,
                            "fixed": 160,
                            "rejected": 75,
                            "acceptance_rate": 0.9844,
                            "error_kinds": {"CF_JDRQ": 40, "CF_XDR_SHXYM": 35},
                            "timely_records": 4400,
                            "timed_records": 4725,
                            "share_timely": 0.9312,
                            "open_code_conflicts": 2,
                        }
                    ],
                    "total": 1,
                }
            ]
        }
    )

    departments: list[DepartmentQualityOut]
    total: int
