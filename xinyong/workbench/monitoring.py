"""Workbench screens of warnings (信用预警, with 信用提醒 to enterprises), trends (信用趋势分析:
charts by industry, district, kind and age band, downloadable as CSV/XLSX) and the city credit
monitoring board (指标, 12-month series, drill-down, follow-up tasks)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.api.deps import get_db
from xinyong.api.params import Id
from xinyong.clock import today
from xinyong.monitoring.board import board, drill
from xinyong.monitoring.compute import MonitoringError
from xinyong.monitoring.followups import FollowupError, advance
from xinyong.permissions import authorize
from xinyong.permissions.policy import Principal
from xinyong.portal import csrf
from xinyong.trends.series import DIMENSIONS, MEASURES, TrendError, trend
from xinyong.warning import service as warnings
from xinyong.warning.registry import FAMILIES, LEVELS
from xinyong.workbench.routes import page, staff
from xinyong.workflow import TransitionError

router = APIRouter(prefix="/workbench", include_in_schema=False)


def _actor(request: Request) -> Principal:
    actor = request.state.principal
    assert isinstance(actor, Principal)
    return actor


def page_data(answer: dict[str, Any] | None) -> str:
    """JSON for a ``<script type="application/json">`` block (no ``</`` to end it early)."""
    return json.dumps(answer, ensure_ascii=False, default=str).replace("</", "<\\/")


def last_month() -> str:
    return (today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


@router.get("/warnings", response_class=HTMLResponse)
def warnings_screen(
    request: Request,
    state: str = "open",
    level: str = "",
    family: str = "",
    message: str = "",
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    actor = _actor(request)
    shown = warnings.list_warnings(
        db,
        actor,
        state=state if state in ("open", "closed") else None,
        level=level if level in LEVELS else None,
        family=family if family in FAMILIES else None,
    )
    return page(
        request,
        "warnings.html",
        user,
        warnings=shown,
        counts=warnings.counts(db, actor),
        levels=LEVELS,
        families=FAMILIES,
        state=state,
        level=level,
        family=family,
        message=message,
    )


@router.post("/warnings/{warning_id}", response_model=None)
def warnings_acknowledge(
    request: Request,
    warning_id: Id,
    note: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    try:
        warnings.acknowledge(db, _actor(request), warning_id, note.strip() or None)
    except (warnings.WarningError, warnings.WarningNotFound, TransitionError) as exc:
        db.rollback()
        return warnings_screen(request, "open", "", "", str(exc), user, db)
    db.commit()
    return RedirectResponse(f"/workbench/warnings?message={quote('已确认并关闭')}", status_code=303)


@router.get("/trends", response_class=HTMLResponse)
def trends_screen(
    request: Request,
    measure: str = "penalties",
    dimension: str = "industry",
    month: str = "",
    months: int = 12,
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    authorize(_actor(request), "trend.read")
    month = month.strip() or last_month()
    answer: dict[str, Any] | None = None
    error = None
    try:
        answer = trend(db, measure, dimension, month, months)
    except TrendError as exc:
        error = str(exc)
    query = f"measure={measure}&dimension={dimension}&month={month}&months={months}"
    return page(
        request,
        "trends.html",
        user,
        answer=answer,
        data=page_data(answer),
        error=error,
        measures=MEASURES,
        dimensions=DIMENSIONS,
        measure=measure,
        dimension=dimension,
        month=month,
        months=months,
        query=query,
    )


@router.get("/monitoring", response_class=HTMLResponse)
def monitoring_screen(
    request: Request,
    month: str = "",
    message: str = "",
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    month = month.strip() or last_month()
    answer: dict[str, Any] | None = None
    error = None
    try:
        answer = board(db, _actor(request), month)
    except MonitoringError as exc:
        error = str(exc)
    return page(
        request,
        "monitoring.html",
        user,
        answer=answer,
        data=page_data(answer),
        error=error,
        month=month,
        message=message,
    )


@router.get("/monitoring/rows", response_class=HTMLResponse)
def monitoring_rows_screen(
    request: Request,
    indicator: str = "",
    month: str = "",
    part: str = "numerator",
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    answer = None
    error = None
    try:
        answer = drill(db, _actor(request), indicator, month.strip() or last_month(), part)
    except MonitoringError as exc:
        error = str(exc)
    return page(request, "monitoring_rows.html", user, answer=answer, error=error)


@router.post("/monitoring/followups/{task_id}", response_model=None)
def followup_advance(
    request: Request,
    task_id: Id,
    state: str = Form(...),
    note: str = Form(""),
    month: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    try:
        advance(db, _actor(request), task_id, state, note.strip() or None)
    except (FollowupError, TransitionError) as exc:
        db.rollback()
        return monitoring_screen(request, month, str(exc), user, db)
    db.commit()
    done = quote("已更新跟进任务")
    return RedirectResponse(
        f"/workbench/monitoring?month={quote(month)}&message={done}", status_code=303
    )
