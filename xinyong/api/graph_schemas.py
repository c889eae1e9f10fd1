"""Response models of the relationship graph (关联图谱) and the control analysis."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ROOT = "914405007080295548"
HOLDER = "91440500MA4UXQ5K3A"
PERSON = "P3F2A9C0D4E5B6A7C8D9E"
REASON = "直接或通过其控制的企业合计持有60.00%的表决权（超过50%），且不受他人控制"


class GraphNode(BaseModel):
    id: str = Field(description="节点标识：组织为统一社会信用代码，自然人为 P 开头的不可逆引用")
    kind: Literal["organization", "natural_person"]
    subject_kind: str = Field(description="主体类别：enterprise、natural_person 等")
    kind_label: str
    name: str
    code: str | None = Field(
        None,
        description="统一社会信用代码；自然人为脱敏身份证号码（政务用户说明用途后为完整号码，记入审计）",
    )
    root: bool = Field(False, description="是否为所查询的主体")
    in_platform: bool = Field(False, description="平台主体库中是否有该主体（可打开其信用信息）")


class GraphEdgeOut(BaseModel):
    source: str = Field(description="出资人、任职人员或法定代表人的节点标识")
    target: str = Field(description="被投资或任职的组织的节点标识")
    kind: Literal["holding", "officer", "legal_representative"]
    kind_label: str = Field(description="持股、任职、法定代表人")
    ratio: float | None = Field(
        None, description="认缴出资比例（小数，0.6 即 60%）；未报送比例时按认缴出资额计算"
    )
    ratio_derived: bool = Field(False, description="比例是否由认缴出资额计算得出")
    subscribed_wan: Decimal | None = Field(None, description="认缴出资额（万元）")
    paid_wan: Decimal | None = Field(None, description="实缴出资额（万元）")
    method: str | None = Field(None, description="认缴出资方式")
    role: str | None = Field(None, description="职务、股东类型或合伙人类型")
    valid_from: date | None = Field(None, description="关系起始日期（成为股东、任职）")
    valid_to: date | None = Field(None, description="关系终止日期（退出、离任）")
    record_id: int = Field(description="该关系所依据的信用记录（版本）编号")
    item: str = Field(description="记录所属目录项：shareholder、key_personnel")


class GraphOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": ROOT,
                    "depth": 2,
                    "as_of": "2026-11-22",
                    "known_at": None,
                    "nodes": [
                        {
                            "id": ROOT,
                            "kind": "organization",
                            "subject_kind": "enterprise",
                            "kind_label": "企业",
                            "name": "示范市鸿泰贸易有限公司",
                            "code": ROOT,
                            "root": True,
                            "in_platform": True,
                        },
                        {
                            "id": PERSON,
                            "kind": "natural_person",
                            "subject_kind": "natural_person",
                            "kind_label": "自然人",
                            "name": "陈小明",
                            "code": "4405**********123X",
                            "root": False,
                            "in_platform": False,
                        },
                    ],
                    "edges": [
                        {
                            "source": PERSON,
                            "target": ROOT,
                            "kind": "holding",
                            "kind_label": "持股",
                            "ratio": 0.6,
                            "ratio_derived": False,
                            "subscribed_wan": "600",
                            "paid_wan": "600",
                            "method": "货币",
                            "role": "自然人股东",
                            "valid_from": "2019-03-01",
                            "valid_to": None,
                            "record_id": 1201,
                            "item": "shareholder",
                        }
                    ],
                    "truncated": False,
                    "purpose_required": None,
                }
            ]
        }
    )

    subject: str = Field(description="所查询主体的节点标识")
    depth: int
    as_of: date = Field(description="关系按各自起止日期在该日有效")
    known_at: datetime | None = Field(None, description="按平台在该时刻掌握的记录版本（政务用户）")
    nodes: list[GraphNode]
    edges: list[GraphEdgeOut]
    truncated: bool = Field(False, description="节点过多，图谱已截断")
    purpose_required: str | None = Field(
        None, description="政务用户未说明用途时：自然人身份证号码已脱敏的原因"
    )


class PathOut(BaseModel):
    nodes: list[str] = Field(description="持股链路上的节点，出资人在前、被分析的组织在后")
    share: float = Field(description="沿该链路各级比例的乘积")
    records: list[int] = Field(description="链路每一级所依据的记录编号")


class HolderOut(GraphNode):
    share: float = Field(description="穿透持股比例（各条链路之和，含交叉持股的循环）")
    paths: list[PathOut] = Field(description="说明该比例的持股链路（最多10条，不重复经过节点）")


class PenetrationOut(HolderOut):
    direct: float = Field(description="直接持股比例")
    ultimate: bool = Field(description="是否为最终股东（无人持有其股权）")
    via_cycles: float = Field(0.0, description="循环持股（交叉持股）在链路之外带来的比例")


class ControllerOut(HolderOut):
    votes: float = Field(description="其自身及其控制的企业合计持有的表决权比例")
    basis: Literal["control", "general_partner", "largest"] = Field(
        description="control：合计控制超过50%；general_partner：执行事务合伙人；"
        "largest：无人超过50%时穿透持股比例最大的最终股东"
    )
    reason: str


class BeneficialOwnerOut(HolderOut):
    basis: Literal["share", "control", "management"] = Field(
        description="share：穿透持股25%以上；control：实际控制；"
        "management：无人符合前两项时，负责日常经营管理的人员（经理，否则法定代表人）"
    )


class ControlOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": ROOT,
                    "name": "示范市鸿泰贸易有限公司",
                    "as_of": "2026-11-22",
                    "actual_controller": {
                        "id": PERSON,
                        "kind": "natural_person",
                        "subject_kind": "natural_person",
                        "kind_label": "自然人",
                        "name": "陈小明",
                        "code": "4405**********123X",
                        "root": False,
                        "in_platform": False,
                        "share": 0.36,
                        "votes": 0.6,
                        "basis": "control",
                        "reason": REASON,
                        "paths": [
                            {"nodes": [PERSON, HOLDER, ROOT], "share": 0.36, "records": [88, 1201]}
                        ],
                    },
                    "reason": REASON,
                    "beneficial_owners": [],
                    "penetration": [],
                    "cycles": False,
                    "converged": True,
                    "truncated": False,
                    "purpose_required": None,
                }
            ]
        }
    )

    subject: str
    name: str
    as_of: date
    actual_controller: ControllerOut | None = Field(description="实际控制人；无法确定时为 null")
    reason: str = Field(description="确定（或无法确定）实际控制人的理由")
    beneficial_owners: list[BeneficialOwnerOut] = Field(
        description="受益所有人（《受益所有人信息管理办法》：穿透持股25%以上的自然人等）"
    )
    penetration: list[PenetrationOut] = Field(description="股权穿透：上游每个出资人的穿透比例")
    cycles: bool = Field(description="股权结构中是否有循环（交叉）持股")
    converged: bool = Field(description="穿透计算是否收敛（封闭的循环持股不收敛）")
    truncated: bool = Field(False, description="上游节点过多，分析已截断")
    purpose_required: str | None = None
