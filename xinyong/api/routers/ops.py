"""Operations: readiness for a load balancer, Prometheus metrics for monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from xinyong.api.schemas import Readiness
from xinyong.db.engine import get_engine
from xinyong.ops.readiness import readiness

router = APIRouter(tags=["运行状态"])

_READY_EXAMPLE = {"status": "ready", "database": "ok", "revision": "0027", "expected": "0027"}


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="就绪检查：数据库可访问且迁移为最新版本",
    responses={
        200: {"content": {"application/json": {"example": _READY_EXAMPLE}}},
        503: {"description": "未就绪，原因见 reason", "model": Readiness},
    },
)
def readyz() -> JSONResponse:
    found = readiness(get_engine())
    body = Readiness(
        status="ready" if found.ready else "not_ready",
        database=found.database,
        revision=found.revision,
        expected=found.expected,
        reason=found.reason,
    )
    return JSONResponse(body.model_dump(), status_code=200 if found.ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus 指标（管理员与审计员）",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics(request: Request) -> Response:
    exposition = request.app.state.metrics.exposition()
    return Response(exposition, media_type=CONTENT_TYPE_LATEST)
