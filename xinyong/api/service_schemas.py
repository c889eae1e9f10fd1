"""Response models of the government credit services (``routers/services.py``): lists,
objections, repair, dual publicity, list recognition and commitments. Each model lists
every key its view builds (FastAPI drops keys a model lacks); a key the view adds only in
some states is optional and left out when absent (the routes answer with
``response_model_exclude_unset``). The examples document the OpenAPI page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DEADLINE = "距期限的工作日：剩余N个工作日、今日到期或已超期N个工作日"


class ListTypeOut(BaseModel):
    code: str
    name: str
    legal_basis: str
    recognition_standard: str = Field(description="认定标准")
    removal_conditions: str = Field(description="移出条件")
    validity: str = Field(description="有效期")
    measures: list[str] = Field(description="对名单主体实施的措施")


class ListEntryOut(BaseModel):
    code: str = Field(description="统一社会信用代码；自然人为脱敏后的身份证号码")
    ref: str = Field(description="可用于 /api/v1/subjects/{code} 的引用")
    name: str
    list_type: str
    list_name: str
    since: date | None = Field(description="列入日期")
    until: date | None = Field(description="有效期至")
    record_id: int
    disputed: bool = Field(description="存在异议、正在核实")


class ListEntriesOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "list": {
                        "code": "black_list",
                        "name": "严重失信主体名单",
                        "legal_basis": "《国务院办公厅关于进一步完善失信约束制度构建诚信建设"
                        "长效机制的指导意见》（国办发〔2020〕49号）",
                        "recognition_standard": "依照法律、法规或党中央、国务院政策文件规定的"
                        "严重失信情形，由认定部门书面决定",
                        "removal_conditions": "有效期届满自动移出；经信用修复、异议更正或"
                        "司法裁判后移出",
                        "validity": "依各名单认定标准（一般为1至3年）",
                        "measures": ["限制参加政府采购", "限制获得财政资金支持"],
                    },
                    "items": [
                        {
                            "code": "914405007080295548",
                            "ref": "914405007080295548",
                            "name": "示范市鸿泰贸易有限公司",
                            "list_type": "black_list",
                            "list_name": "严重失信主体名单",
                            "since": "2026-01-05",
                            "until": "2029-01-04",
                            "record_id": 88,
                            "disputed": False,
                        }
                    ],
                    "total": 1,
                }
            ]
        },
    )

    list_type: ListTypeOut = Field(alias="list", description="名单类型：依据、标准与移出条件")
    items: list[ListEntryOut]
    total: int


_OBJECTION: dict[str, Any] = {
    "id": 14,
    "tracking_code": "YY20261208K7M2QX",
    "record_id": 1201,
    "state": "accepted",
    "state_label": "已受理（标注异议）",
    "grounds": "信息错误或遗漏",
    "model": None,
    "indicator": None,
    "submitted_at": "2026-12-08T02:15:37",
    "due_date": "2026-12-15",
    "deadline": "剩余5个工作日",
    "decision_reason": None,
}


class ObjectionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_OBJECTION]})

    id: int
    tracking_code: str = Field(description="受理编号，用于查询进度")
    record_id: int | None = Field(description="所异议的信用记录（异议信用评价时为空）")
    state: str
    state_label: str
    grounds: str = Field(description="异议理由（中文）")
    model: str | None = Field(description="异议信用评价时：评价模型")
    indicator: str | None = Field(description="异议信用评价时：所异议的指标")
    submitted_at: datetime
    due_date: date | None = Field(description="处理期限（受理后）")
    deadline: str | None = Field(description=f"办理中时：{DEADLINE}")
    decision_reason: str | None


class ObjectionsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_OBJECTION], "total": 1}]})

    items: list[ObjectionOut]
    total: int


class ConditionOut(BaseModel):
    name: str = Field(description="minimum_period、obligations、commitment")
    met: bool
    explanation: str


class EligibilityOut(BaseModel):
    eligible: bool = Field(description="各项条件均满足")
    conditions: list[ConditionOut]


_REPAIR: dict[str, Any] = {
    "id": 9,
    "tracking_code": "XF20261208P4WD9H",
    "record_id": 1201,
    "state": "submitted",
    "eligibility": {
        "eligible": True,
        "conditions": [
            {
                "name": "minimum_period",
                "met": True,
                "explanation": "最短公示期已满（2026-08-01起可申请）",
            },
            {
                "name": "obligations",
                "met": True,
                "explanation": "已承诺违法行为已纠正、相关义务已履行",
            },
            {
                "name": "commitment",
                "met": True,
                "explanation": "已作出信用修复承诺（承诺编码 44050020261201000012）",
            },
        ],
    },
    "due_date": None,
    "decision_reason": None,
    "state_label": "已提交",
}


class RepairOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_REPAIR]})

    id: int
    tracking_code: str = Field(description="受理编号")
    record_id: int
    state: str
    eligibility: EligibilityOut = Field(description="修复条件逐项说明")
    due_date: date | None = Field(description="审核期限（受理后）")
    decision_reason: str | None
    state_label: str
    deadline: str | None = Field(None, description=f"已提交或已受理时：{DEADLINE}")


class RepairsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_REPAIR], "total": 1}]})

    items: list[RepairOut]
    total: int


class PublicationStateOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "record_id": 1201,
                    "publication_state": "published",
                    "state_label": "已公示",
                    "published_at": "2026-12-08T03:20:11",
                    "status": "active",
                }
            ]
        }
    )

    record_id: int
    publication_state: str | None = Field(description="uploaded、requested、approved ...")
    state_label: str
    published_at: datetime | None
    status: str = Field(description="记录状态：active、withdrawn、repaired ...")


class OverdueOut(BaseModel):
    record_id: int
    item: str
    decision_date: date
    due: date = Field(description="应公示的最后一日")
    overdue_working_days: int


class DepartmentPublicityOut(BaseModel):
    department: str
    by_state: dict[str, int] = Field(description="按公示状态统计的记录数")
    decided: int = Field(description="作出的决定数")
    published_in_time: int = Field(description="7个工作日内上网公示的数量")
    share_in_time: float | None = Field(description="按时公示率")
    overdue: list[OverdueOut] = Field(description="超期未公示的记录")


class PublicationStatisticsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "departments": [
                        {
                            "department": "市场监督管理局",
                            "by_state": {"published": 46, "requested": 2},
                            "decided": 48,
                            "published_in_time": 45,
                            "share_in_time": 0.9375,
                            "overdue": [
                                {
                                    "record_id": 1288,
                                    "item": "admin_penalty",
                                    "decision_date": "2026-11-20",
                                    "due": "2026-12-01",
                                    "overdue_working_days": 5,
                                }
                            ],
                        }
                    ],
                    "total": 1,
                }
            ]
        }
    )

    departments: list[DepartmentPublicityOut]
    total: int


class RecognitionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 6,
                    "list_type": "black_list",
                    "subtype": "重大税收违法失信主体",
                    "state": "notified",
                    "state_label": "已告知（陈述申辩期）",
                    "statement_until": "2026-12-15",
                    "decision_number": None,
                    "decided_on": None,
                    "valid_until": None,
                    "report_due": None,
                    "reported_at": None,
                    "removed_reason": None,
                    "notice": "拟列入严重失信主体名单告知书\n\n示范市鸿泰贸易有限公司：\n"
                    "    经核查，你（单位）存在以下情形：虚开增值税专用发票，情节严重。……",
                }
            ]
        }
    )

    id: int
    list_type: str
    subtype: str = Field(description="名单具体类型")
    state: str
    state_label: str
    statement_until: date | None = Field(description="陈述申辩期至")
    decision_number: str | None = Field(description="认定决定书文号")
    decided_on: date | None
    valid_until: date | None = Field(description="名单有效期至")
    report_due: date | None = Field(description="报送期限")
    reported_at: datetime | None
    removed_reason: str | None
    report_deadline: str | None = Field(None, description=f"尚未报送时：{DEADLINE}")
    notice: str | None = Field(None, description="告知（notify）时：告知书全文")


class CommitmentOut(BaseModel):
    record_id: int
    code: str = Field(description="统一社会信用代码；自然人为脱敏后的身份证号码")
    ref: str
    name: str
    number: str | None = Field(description="承诺编码")
    type: str | None = Field(description="承诺类型")
    matter: str | None = Field(description="承诺事由")
    content: str | None = Field(description="承诺内容")
    made_on: date | None = Field(description="承诺作出日期")
    valid_until: date | None = Field(description="承诺有效期")
    fulfilment: str | None = Field(description="承诺履行状态")


class CommitmentsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "record_id": 2051,
                            "code": "4405**********2318",
                            "ref": "P3F9A1C07B24E6D58A0F1",
                            "name": "林晓华",
                            "number": "44050020261201000012",
                            "type": "审批替代型",
                            "matter": "食品经营许可告知承诺",
                            "content": "本人承诺所提交材料真实有效，并在3个月内补齐健康证明",
                            "made_on": "2026-12-01",
                            "valid_until": "2027-03-01",
                            "fulfilment": None,
                        }
                    ],
                    "total": 1,
                }
            ]
        }
    )

    items: list[CommitmentOut]
    total: int


class BreachOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "record_id": 2107,
                    "item": "commitment_breach",
                    "fields": {
                        "WN_BM": "44050020261201000012",
                        "WN_MC": "示范市鸿泰贸易有限公司",
                        "WN_LB": "法人及非法人组织",
                        "WN_SHXYM": "914405007080295548",
                        "WN_ZJHM": None,
                        "WN_LX": "审批替代型",
                        "WN_WLXNR": "未在承诺期限内补齐环评批复",
                        "WN_ZJNR": "撤销审批决定，记入违诺失信记录",
                        "WN_RDRQ": "2026-12-08",
                        "WN_RDJG": "示范市生态环境局",
                        "WN_RDJGDM": "11440500MB2C12345X",
                        "WN_SJLY": "示范市生态环境局",
                        "WN_SJLYDM": "11440500MB2C12345X",
                    },
                }
            ]
        }
    )

    record_id: int = Field(description="新生成的违诺失信记录")
    item: str
    fields: dict[str, Any] = Field(description="记录的字段（按目录项字段编码）")
