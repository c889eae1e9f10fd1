"""The unified interface service's own routes: live usage statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, catalog_dep, get_caller, get_db
from xinyong.api.errors import api_router
from xinyong.catalog.registry import Catalog, CatalogError
from xinyong.db.engine import get_engine
from xinyong.gateway import feeds, usage
from xinyong.permissions import authorize

router = api_router("统一接口服务")


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

    alerts: list[dict[str, Any]] = Field(
        description="今日调用量超过近7日日均3倍的调用方", default_factory=list
    )
    from_: date = Field(alias="from")
    to: date
    days: list[dict[str, Any]]
    callers: list[dict[str, Any]]
    families: list[dict[str, Any]]


class FeedOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "item": "admin_penalty",
                    "entries": [
                        {
                            "change": "version",
                            "at": "2026-11-22T09:30:00",
                            "id": 1201,
                            "record_key": "3f9a…",
                            "version": 2,
                            "status": "active",
                            "item": "admin_penalty",
                            "fields": {"CF_WSH": "示市监罚〔2026〕12号"},
                        },
                        {"change": "withdrawn", "at": "2026-11-23T10:00:00", "id": 1188},
                    ],
                    "next_cursor": "v1201.s37",
                    "more": False,
                }
            ]
        }
    )

    item: str
    entries: list[dict[str, Any]]
    next_cursor: str
    more: bool


@router.get(
    "/feeds/{item}",
    response_model=FeedOut,
    summary="数据共享订阅：某目录项自游标以来的变更（新版本、撤下、修复）",
)
def feed(
    item: str,
    since: str | None = Query(None, description="上次返回的 next_cursor；不给出时从头开始"),
    limit: int = Query(500, ge=1, le=5000),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    try:
        return feeds.pull(db, caller, catalog, item, since, limit)
    except CatalogError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except feeds.FeedError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


@router.get("/usage", response_model=UsageOut, summary="接口调用统计：按日、调用方、接口类别")
def usage_statistics(
    days: int = Query(7, ge=1, le=366),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    authorize(caller, "usage.read")
    usage.recorder.flush(get_engine())  # this server's latest calls too
    return usage.usage_report(db, days)
