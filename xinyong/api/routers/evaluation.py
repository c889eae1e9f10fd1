"""Credit evaluation: a subject's grade (public: grade, meaning and day under public models;
staff: score, explanation, digest and history) and the evaluation models."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, get_caller, get_db
from xinyong.api.errors import api_router
from xinyong.clock import today
from xinyong.evaluation.views import (
    EvaluationNotFound,
    evaluated_subject,
    models_view,
    subject_evaluation,
)
from xinyong.objections import grades as grade_objections

router = api_router("信用评价")

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
    "disputed": False,
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
    disputed: bool = Field(False, description="该等级有已受理、正在处理的异议")
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
        shown = subject_evaluation(db, caller, code, model, as_of)
    except EvaluationNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    if as_of is None:
        subject = evaluated_subject(db, code)
        shown["disputed"] = shown["model"] in grade_objections.disputed_models(db, subject.id)
    return shown


class GradeObjectionIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "model": "general_enterprise",
                    "indicator": "penalty_general",
                    "filer_name": "示范市鸿泰贸易有限公司",
                    "filer_kind": "subject",
                    "grounds": "wrong_score",
                    "description": "该处罚已被撤销，不应扣分",
                    "contact": "0754-88888888",
                }
            ]
        }
    )

    model: str = Field(description="评价模型代码")
    indicator: str = Field(description="有异议的指标或一票否决项代码（见评价结果的 explanation）")
    filer_name: str = Field(max_length=100)
    filer_kind: str = Field("subject", description="subject（信用主体）、public（社会公众）、staff")
    grounds: str = Field(description="wrong_score、wrong_or_missing、other")
    description: str = Field(max_length=4000)
    contact: str | None = Field(None, max_length=100)


class GradeObjectionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tracking_code": "YY20261207A1B2C3",
                    "model": "general_enterprise",
                    "indicator": "penalty_general",
                    "state": "submitted",
                }
            ]
        }
    )

    tracking_code: str = Field(description="受理编号，可在 /track 查询进度")
    model: str
    indicator: str
    state: str


@router.post(
    "/subjects/{code}/evaluation/objections",
    response_model=GradeObjectionOut,
    status_code=201,
    summary="对主体的信用评价等级提出异议（指明有异议的指标）",
    responses={
        404: {"description": "主体不存在或其评价结果不可见"},
        422: {"description": "参数错误"},
    },
)
def file_grade_objection(
    code: str,
    body: GradeObjectionIn,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    kind = (
        body.filer_kind
        if caller.is_staff
        else ("subject" if body.filer_kind == "subject" else "public")
    )
    try:
        created = grade_objections.file_grade_objection(
            db,
            caller.actor,
            code=code,
            model=body.model,
            indicator=body.indicator,
            filer_kind=kind,
            filer_name=body.filer_name,
            grounds=body.grounds,
            description=body.description,
            contact=body.contact,
            today=today(),
        )
    except grade_objections.GradeNotFound as exc:
        db.rollback()
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except grade_objections.GradeObjectionError as exc:
        db.rollback()
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    db.commit()
    return {
        "tracking_code": created.tracking_code,
        "model": created.model_code,
        "indicator": created.indicator,
        "state": created.state,
    }


@router.get("/evaluation/models", response_model=ModelsOut, summary="信用评价模型及其版本")
def models() -> dict[str, Any]:
    items = models_view()
    return {"items": items, "total": len(items)}
