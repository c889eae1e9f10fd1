"""The relationship graph (关联图谱) and control analysis of a subject."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import Depends, HTTPException, Query
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, catalog_dep, get_caller, get_db
from xinyong.api.errors import api_router
from xinyong.api.graph_schemas import ControlOut, GraphOut
from xinyong.api.routers.subjects import PURPOSE_HEADER, PURPOSE_QUERY, _purpose
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.graph.service import (
    DEFAULT_DEPTH,
    MAX_DEPTH,
    control_answer,
    graph_answer,
    make_view,
)
from xinyong.subjects.access import SubjectNotFound

router = api_router("关联图谱")

AS_OF = Query(None, description="查看该日的关系（按成为股东、任职、退出、离任日期），默认今天")
KNOWN_AT = Query(None, description="按平台在该时刻掌握的记录版本回看（仅政务用户），默认当前版本")


@router.get("/subjects/{code}/graph", response_model=GraphOut, summary="关联图谱")
def graph(
    code: str,
    depth: int = Query(DEFAULT_DEPTH, ge=1, le=MAX_DEPTH, description="层数（1-5）"),
    as_of: date | None = AS_OF,
    known_at: datetime | None = KNOWN_AT,
    purpose: str | None = PURPOSE_QUERY,
    x_purpose: str | None = PURPOSE_HEADER,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    view = make_view(caller, catalog, today(), as_of, known_at)
    try:
        shown = graph_answer(db, caller, code, view, depth, _purpose(purpose, x_purpose))
    except SubjectNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    db.commit()
    return shown


@router.get("/subjects/{code}/control", response_model=ControlOut, summary="股权穿透与实际控制人")
def control(
    code: str,
    as_of: date | None = AS_OF,
    known_at: datetime | None = KNOWN_AT,
    purpose: str | None = PURPOSE_QUERY,
    x_purpose: str | None = PURPOSE_HEADER,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    view = make_view(caller, catalog, today(), as_of, known_at)
    try:
        shown = control_answer(db, caller, code, view, _purpose(purpose, x_purpose))
    except SubjectNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    db.commit()
    return shown
