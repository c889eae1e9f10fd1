"""Credit evaluation: a subject's grade (public: grade, meaning and day under public models;
staff: score, explanation, digest and history) and the evaluation models."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, get_caller, get_db
from xinyong.evaluation.views import EvaluationNotFound, models_view, subject_evaluation

router = APIRouter(prefix="/api/v1", tags=["信用评价"])

_EXAMPLE: dict[str, Any] = {
    "subject": {
        "code": "914405007080295548",
        "name": "示范市鸿泰贸易有限公司",
        "kind": "enterprise",
    },
    "model": "general_enterprise",
    "model_name": "企业公共信用综合评价（通用模型）",
    "models": ["general_enterprise", "weihai_market", "yiwu_enterprise"],
    "grade": "D",
    "meaning": "信用状况较差：存在严重失信行为或列入严重失信名单",
    "as_of": "2026-11-22",
    "model_version": "2025.1",
    "score": "760.00",
    "computed_at": "2026-11-22T08:00:00",
    "digest": "3f0c6c1e9a5b7d2f4e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e",
    "explanation": [
        {
            "indicator": "black_listed",
            "name": "列入严重失信主体名单",
            "dimension": None,
            "points": 0.0,
            "value": 1.0,
            "category": None,
            "records": [88],
            "veto": True,
        },
        {
            "indicator": "penalty_general",
            "name": "一般行政处罚",
            "dimension": "administrative",
            "points": -40.0,
            "value": 1.0,
            "category": None,
            "records": [1201],
            "veto": False,
        },
    ],
    "history": [
        {
            "grade": "B",
            "old_grade": None,
            "from": "2026-11-01",
            "to": "2026-11-22",
            "reason": "全量评价：首次评价为B级；得分800.0，B级（信用状况良好：无严重失信记录）",
        },
        {
            "grade": "D",
            "old_grade": "B",
            "from": "2026-11-22",
            "to": None,
            "reason": "信用记录新增（严重失信主体名单信息，记录 88）：B级 → D级；"
            "一票否决：列入严重失信主体名单（记录 88），等级定为D级",
        },
    ],
}


class HistoryEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    grade: str
    old_grade: str | None = None
    from_: date = Field(alias="from", description="自该评价日起")
    to: date | None = Field(None, description="至该日被新等级取代（空：至今）")
    reason: str = Field(description="变化原因")


class EvaluationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    subject: dict[str, Any]
    model: str
    model_name: str
    models: list[str] = Field(description="该主体可查看的评价模型（?model= 选择）")
    grade: str
    meaning: str = Field(description="等级含义")
    as_of: date = Field(description="评价日")
    model_version: str | None = Field(None, description="模型版本（政务用户）")
    score: Decimal | None = Field(None, description="得分（政务用户）")
    computed_at: datetime | None = None
    digest: str | None = Field(None, description="输入摘要：同一数据与模型得出同一摘要")
    explanation: list[dict[str, Any]] | None = Field(
        None, description="逐项得分及所依据的记录编号，一票否决项在前（政务用户）"
    )
    history: list[HistoryEntry] | None = Field(None, description="等级变化记录（政务用户）")


class ModelsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "code": "yiwu_enterprise",
                            "name": "市场主体信用综合评价（义乌式加减分与一票否决）",
                            "version": "2025.1",
                            "standard": None,
                            "practice": "义乌市：……分设A-E五个等级",
                            "domain": None,
                            "subject_kinds": ["enterprise", "individual_business"],
                            "effective_from": "2025-06-01",
                            "effective_to": None,
                            "cycle": "每月全量评价一次；相关记录变化后即时重新评价该主体。",
                            "grades_public": True,
                            "grades": [{"grade": "A", "meaning": "诚信"}],
                            "indicators": 11,
                            "vetoes": 2,
                        }
                    ],
                    "total": 3,
                }
            ]
        }
    )

    items: list[dict[str, Any]]
    total: int


@router.get(
    "/subjects/{code}/evaluation",
    response_model=EvaluationOut,
    response_model_by_alias=True,
    summary="主体信用评价等级（公众：等级、含义和评价日；政务用户：得分、依据和变化记录）",
)
def evaluation(
    code: str,
    model: str | None = Query(None, description="评价模型代码，默认为适用的第一个模型"),
    as_of: date | None = Query(None, description="查询该日的等级（按等级变化记录）"),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    try:
        return subject_evaluation(db, caller, code, model, as_of)
    except EvaluationNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.get("/evaluation/models", response_model=ModelsOut, summary="信用评价模型及其版本")
def models() -> dict[str, Any]:
    items = models_view()
    return {"items": items, "total": len(items)}
