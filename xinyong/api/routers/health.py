from __future__ import annotations

from fastapi import APIRouter

from xinyong.api.schemas import Health

router = APIRouter(tags=["运行状态"])


@router.get("/healthz", response_model=Health, summary="存活检查")
def healthz() -> Health:
    return Health(status="ok")
