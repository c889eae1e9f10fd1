"""The unified interface service's own routes: live usage statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, get_caller, get_db
from xinyong.db.engine import get_engine
from xinyong.gateway import usage
from xinyong.permissions import authorize

router = APIRouter(prefix="/api/v1", tags=["统一接口服务"])


class UsageOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-11-16",
                    "to": "2026-11-22",
                    "days": [{"day": "2026-11-22", "calls": 1520, "p95_ms": 20.0, "errors": 3}],
                    "callers": [{"caller": "apikey:xy_Ab12Cd3", "calls": 1500, "p95_ms": 20.0}],
                    "families": [{"family": "checks", "calls": 1500, "p95_ms": 20.0}],
                }
            ]
        },
        populate_by_name=True,
    )

    from_: date = Field(alias="from")
    to: date
    days: list[dict[str, Any]]
    callers: list[dict[str, Any]]
    families: list[dict[str, Any]]


@router.get("/usage", response_model=UsageOut, summary="接口调用统计：按日、调用方、接口类别")
def usage_statistics(
    days: int = Query(7, ge=1, le=366),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    authorize(caller, "usage.read")
    usage.recorder.flush(get_engine())  # this server's latest calls too
    return usage.usage_report(db, days)
