"""Warnings (信用预警), trends (信用趋势分析) and city credit monitoring (城市信用监测): thin
routes over ``xinyong.warning``, ``xinyong.trends`` and ``xinyong.monitoring``."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any, Literal

import polars as pl
from fastapi import Body, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, get_caller, get_db
from xinyong.api.errors import api_router
from xinyong.api.params import Id
from xinyong.clock import today
from xinyong.monitoring import board as monitoring_board
from xinyong.monitoring.compute import MonitoringError, compute_month
from xinyong.monitoring.followups import FollowupError, advance, as_dict, list_followups
from xinyong.permissions import authorize
from xinyong.safety.cells import safe_csv, xlsx_cell
from xinyong.trends.series import TrendError, table_rows, trend
from xinyong.warning import service as warnings
from xinyong.workflow import TransitionError

router = api_router("信用预警与城市信用监测")

BINARY = {"type": "string", "format": "binary"}
DOWNLOADS = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ERRORS = (MonitoringError, FollowupError, TrendError, warnings.WarningError, TransitionError)

_WARNING: dict[str, Any] = {
    "id": 12,
    "rule": "serious_penalty",
    "family": "event",
    "family_label": "事件预警",
    "level": "红",
    "subject": {
        "name": "示范市鸿泰贸易有限公司",
        "code": "914405007080295548",
        "kind": "enterprise",
    },
    "group": None,
    "recipient": "department",
    "recipient_label": "监管部门",
    "department_id": 2,
    "reason": "示范市鸿泰贸易有限公司于2026-11-20被示范市市场监督管理局作出严重违法行政处罚"
    "（示市监罚〔2026〕30号），请依法整改并关注信用修复条件",
    "basis": "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》"
    "（国办发〔2020〕49号）",
    "evidence": {"records": [1201], "item": "admin_penalty"},
    "state": "open",
    "created_at": "2026-11-22T08:00:01",
    "closed_at": None,
    "closed_by": None,
    "note": None,
}


class WarningOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_WARNING]})

    id: int
    rule: str
    family: str
    family_label: str
    level: str = Field(description="红、橙、黄、蓝（由重到轻）")
    subject: dict[str, Any] | None = None
    group: dict[str, Any] | None = Field(None, description="行业或区县（趋势预警）")
    recipient: str = Field(description="enterprise（信用提醒）、department、credit_office")
    recipient_label: str
    department_id: int | None = None
    reason: str
    basis: str = Field(description="法律或政策依据")
    evidence: dict[str, Any] = Field(description="依据的记录编号、关联路径或数列")
    state: str = Field(description="open（待处理）、closed（已确认关闭）")
    created_at: str
    closed_at: str | None = None
    closed_by: str | None = None
    note: str | None = None


class WarningsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_WARNING], "total": 1}]})

    items: list[WarningOut]
    total: int


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "已约谈企业负责人"}]})

    note: str | None = Field(None, max_length=500, description="处理说明")


def _run(db: Session, action: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        result = action(db, *args, **kwargs)
    except warnings.WarningNotFound as exc:
        db.rollback()
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except ERRORS as exc:
        db.rollback()
        status = 409 if isinstance(exc, TransitionError) else 422
        raise HTTPException(status_code=status, detail=str(exc)) from exc
    db.commit()
    return result


@router.get("/warnings", response_model=WarningsOut, summary="信用预警（按等级由重到轻）")
def warnings_list(
    state: Literal["open", "closed"] | None = Query("open", description="状态，空为全部"),
    level: Literal["红", "橙", "黄", "蓝"] | None = Query(None),
    family: Literal["event", "trend", "relation"] | None = Query(None),
    subject: str | None = Query(None, max_length=18, description="主体统一社会信用代码"),
    limit: int = Query(200, ge=1, le=1000),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    items = warnings.list_warnings(
        db, caller, state=state, level=level, family=family, subject_code=subject, limit=limit
    )
    return {"items": items, "total": len(items)}


@router.post(
    "/warnings/{warning_id}/acknowledge",
    response_model=WarningOut,
    summary="确认预警（确认即关闭）",
)
def warnings_acknowledge(
    warning_id: Id,
    body: AcknowledgeIn = Body(default_factory=AcknowledgeIn),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    found = _run(db, warnings.acknowledge, caller, warning_id, body.note)
    return warnings.view(db, found)


class TrendOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "measure": "penalties",
                    "measure_label": "行政处罚",
                    "dimension": "industry",
                    "dimension_label": "行业",
                    "months": ["2026-09", "2026-10", "2026-11"],
                    "series": [
                        {
                            "group": "F",
                            "label": "F 批发和零售业",
                            "values": [3, 2, 14],
                            "change_points": [2],
                        }
                    ],
                    "change_rule": "当月数值不少于 3 且高于此前 6 个月均值加 3 倍标准差",
                }
            ]
        }
    )

    measure: str
    measure_label: str
    dimension: str
    dimension_label: str
    months: list[str]
    series: list[dict[str, Any]]
    change_rule: str


@router.get(
    "/trends",
    response_model=TrendOut,
    summary="信用趋势：按行业、区县、主体类型、企业年龄的月度数列（format=csv/xlsx 下载）",
    responses={200: {"content": {media: {"schema": BINARY} for media in DOWNLOADS}}},
)
def trends(
    measure: str = Query("penalties", description="records、penalties、list_entries、grades"),
    dimension: str = Query("industry", description="industry、district、kind、age"),
    month: str | None = Query(None, max_length=7, description="最后一个月，YYYY-MM（默认上月）"),
    months: int = Query(12, ge=1, le=60),
    format: Literal["json", "csv", "xlsx"] = Query("json"),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> Any:
    authorize(caller, "trend.read")
    last = month or _last_month()
    try:
        answer = trend(db, measure, dimension, last, months)
    except TrendError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    if format == "json":
        return answer
    return download(table_rows(answer), f"trend-{measure}-{dimension}-{last}", format)


def _last_month() -> str:
    first = today().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def download(rows: list[dict[str, Any]], name: str, format: str) -> Response:
    """Rows as a CSV (UTF-8 with BOM, cells made safe for spreadsheets) or an XLSX file."""
    frame = pl.DataFrame(rows) if rows else pl.DataFrame({"无数据": []})
    if format == "csv":
        body = ("\ufeff" + safe_csv(frame)).encode("utf-8")
        media = "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append([xlsx_cell(c) for c in frame.columns])
        for row in frame.iter_rows():
            sheet.append([xlsx_cell(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        body = buffer.getvalue()
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )


_BOARD_ROW: dict[str, Any] = {
    "code": "penalty_publicity_timeliness",
    "name": "行政处罚信息7个工作日内公示率",
    "group": "双公示",
    "formula": "当月作出的行政处罚中，自决定之日起7个工作日内上网公示的条数"
    " ÷ 当月作出的行政处罚条数",
    "kind": "ratio",
    "direction": "higher",
    "target": 1.0,
    "responsible": "各行政处罚部门",
    "basis": "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》"
    "（国办发〔2020〕49号）",
    "value": 0.5,
    "numerator": 2,
    "denominator": 4,
    "computed": True,
    "previous": 0.75,
    "meets_target": False,
    "series": [None, 0.75, 0.5],
}


class BoardOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "month": "2026-11",
                    "months": ["2026-09", "2026-10", "2026-11"],
                    "version": "2025-02-01",
                    "source": "《城市信用监测预警指标》",
                    "indicators": [_BOARD_ROW],
                    "followups": [],
                }
            ]
        }
    )

    month: str
    months: list[str]
    version: str
    source: str
    indicators: list[dict[str, Any]]
    followups: list[dict[str, Any]]


@router.get("/monitoring/{month}", response_model=BoardOut, summary="城市信用监测指标看板")
def monitoring_board_route(
    month: str, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    try:
        return monitoring_board.board(db, caller, month)
    except MonitoringError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


class ComputeOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "month": "2026-11",
                    "version": "2025-02-01",
                    "indicators": [
                        {
                            "indicator": "penalty_publicity_timeliness",
                            "name": "行政处罚信息7个工作日内公示率",
                            "kind": "ratio",
                            "value": 0.5,
                            "numerator": 2,
                            "denominator": 4,
                            "target": 1.0,
                            "direction": "higher",
                            "meets_target": False,
                            "seconds": 0.01,
                        }
                    ],
                    "followups_opened": 1,
                    "seconds": 0.4,
                }
            ]
        }
    )

    month: str
    version: str
    indicators: list[dict[str, Any]]
    followups_opened: int
    seconds: float


@router.post("/monitoring/{month}/compute", response_model=ComputeOut, summary="计算某月的监测指标")
def monitoring_compute(
    month: str, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    authorize(caller, "monitoring.compute")
    return _run(db, compute_month, caller, month)


class DrillOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "indicator": {
                        "code": "penalty_publicity_timeliness",
                        "name": "行政处罚信息7个工作日内公示率",
                    },
                    "month": "2026-11",
                    "part": "denominator",
                    "part_label": "分母",
                    "table": "records",
                    "count": 4,
                    "listed": 4,
                    "total_rows": 4,
                    "stored": True,
                    "rows": [
                        {
                            "id": 1201,
                            "item": "admin_penalty",
                            "subject": "示范市鸿泰贸易有限公司",
                            "decision_date": "2026-11-02",
                            "published_at": "2026-11-12T10:00:00",
                            "status": "active",
                            "department": "示范市市场监督管理局",
                        }
                    ],
                }
            ]
        }
    )

    indicator: dict[str, Any]
    month: str
    part: str
    part_label: str
    table: str
    count: int
    listed: int
    total_rows: int
    stored: bool = Field(description="计入的行已保存（否：总体按查询重新列出）")
    rows: list[dict[str, Any]]


@router.get(
    "/monitoring/{month}/indicators/{code}/rows",
    response_model=DrillOut,
    summary="监测指标下钻：分子或分母计入的每一行",
)
def monitoring_rows(
    month: str,
    code: str,
    part: Literal["numerator", "denominator"] = Query("numerator"),
    limit: int = Query(1000, ge=1, le=10000),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    try:
        return monitoring_board.drill(db, caller, code, month, part, limit)
    except MonitoringError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


class FollowupIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"state": "done", "note": "已督促各科室按期公示"}]}
    )

    state: Literal["in_progress", "done"]
    note: str | None = Field(None, max_length=1000, description="整改说明（完成时必填）")


class FollowupOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "indicator": "penalty_publicity_timeliness",
                    "month": "2026-11",
                    "department": "示范市市场监督管理局",
                    "department_id": 2,
                    "reason": "2026-11“行政处罚信息7个工作日内公示率”为 33.33%（1/3），"
                    "未达到目标值 100.00%",
                    "state": "done",
                    "state_label": "已完成",
                    "due_date": "2026-12-22",
                    "note": "已督促各科室按期公示",
                    "closed_at": "2026-12-10T09:00:00",
                }
            ]
        }
    )

    id: int
    indicator: str
    month: str
    department: str
    department_id: int | None
    reason: str
    state: str
    state_label: str
    due_date: str
    note: str | None
    closed_at: str | None


@router.get("/monitoring-followups", response_model=list[FollowupOut], summary="监测指标跟进任务")
def followups(
    month: str | None = Query(None, max_length=7),
    open_only: bool = Query(False, alias="open"),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> list[dict[str, Any]]:
    return list_followups(db, caller, month, open_only)


@router.post("/monitoring-followups/{task_id}", response_model=FollowupOut, summary="推进跟进任务")
def followup_advance(
    task_id: Id,
    body: FollowupIn,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    task = _run(db, advance, caller, task_id, body.state, body.note)
    return as_dict(task)
