"""Credit reports for systems: issue one, verify one, revoke one, statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, catalog_dep, get_caller, get_db
from xinyong.api.errors import api_router
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.reports import service
from xinyong.reports.domains import domain_book
from xinyong.reports.service import ReportError, ReportRequest

router = api_router("信用报告")

NUMBER = "20261208093015A7K2M9QX"


class ReportIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "special",
                    "code": "914405007080295548",
                    "purpose": "申请上市：代替无违法违规证明",
                    "domains": ["development_reform", "housing_construction"],
                    "years": 3,
                    "agent": "张三（授权委托书 2026-118 号）",
                }
            ]
        }
    )

    kind: Literal["organisation", "person", "special"] = Field(
        "organisation",
        description="organisation（法人和非法人组织）、person（自然人，仅向本人）、special（专项信用报告，信用代证）",
    )
    code: str = Field(..., description="主体的统一社会信用代码；自然人报告为本人居民身份证号码")
    purpose: str = Field(..., description="查询用途，印在报告水印“仅供…使用”中")
    content: Literal["public", "government"] = Field(
        "public",
        description="法人报告的内容范围：public（社会公开信息）、government（政务共享，须政务密钥）",
    )
    domains: list[str] = Field(
        [], description="专项报告：信用代证领域代码（GET /api/v1/reports/domains）"
    )
    years: int | None = Field(None, description="专项报告：统计期间年数（1-5），截至今天")
    identity_name: str | None = Field(None, description="自然人报告：已核验身份证件上的姓名")
    identity_checked: bool = Field(False, description="自然人报告：已当面核验本人身份证件")
    agent: str | None = Field(None, description="经办人或代理人及其授权")


class ReportOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": NUMBER,
                    "verification_code": "Q7MZ3KPA",
                    "url": f"http://127.0.0.1:8000/reports/{NUMBER}/pdf?code=Q7MZ3KPA",
                    "verify_url": f"http://127.0.0.1:8000/reports/verify?number={NUMBER}&code=Q7MZ3KPA",
                    "sha256": "9f2c…",
                    "counts": {"行政管理信息": 7, "严重失信主体名单信息": 0},
                }
            ]
        }
    )

    number: str
    verification_code: str
    url: str
    verify_url: str
    sha256: str
    counts: dict[str, int]


class VerifyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "valid",
                    "message": "报告真实有效",
                    "number": NUMBER,
                    "kind": "organisation",
                    "kind_label": "法人和非法人组织报告",
                    "issued_at": "2026-12-08T09:30:15",
                    "subject_name": "示范市鸿泰建材有限公司",
                    "subject_code": "914405007080295548",
                    "sha256": "9f2c…",
                }
            ]
        }
    )

    status: Literal["valid", "revoked", "unknown"]
    message: str
    number: str
    kind: str | None = None
    kind_label: str | None = None
    issued_at: datetime | None = None
    subject_name: str | None = None
    subject_code: str | None = None
    sha256: str | None = None
    revoked_at: datetime | None = None
    revoke_reason: str | None = None


class RevokeIn(BaseModel):
    reason: str = Field(
        ..., description="撤销原因", examples=["报告所载行政处罚已被撤销，重新出具"]
    )


class StatisticsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total": 12,
                    "revoked": 1,
                    "by_kind": {"organisation": 9, "special": 3},
                    "by_content": {"public": 8, "government": 1, "own": 3},
                }
            ]
        }
    )

    total: int
    revoked: int
    by_kind: dict[str, int]
    by_content: dict[str, int]


class DomainOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "development_reform",
                    "name": "发展改革",
                    "items": ["admin_penalty", "admin_enforcement"],
                    "departments": ["示范市发展和改革局"],
                    "since": "2025-04-07",
                    "basis": "汕发改信用〔2025〕96号",
                }
            ]
        }
    )

    code: str
    name: str
    items: list[str]
    departments: list[str]
    since: str
    basis: str


@router.post("/reports", response_model=ReportOut, summary="出具信用报告（已签名 PDF）")
def issue(
    body: ReportIn,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    request = ReportRequest(**body.model_dump())
    try:
        report, _content = service.issue_report(db, caller, request, catalog, today())
    except ReportError as exc:
        db.rollback()
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    db.commit()
    return {
        "number": report.number,
        "verification_code": report.verification_code,
        "url": service.pdf_url(report.number, report.verification_code),
        "verify_url": service.verify_url(report.number, report.verification_code),
        "sha256": report.sha256,
        "counts": report.counts,
    }


@router.get("/reports/verify", response_model=VerifyOut, summary="核验信用报告")
def verify(
    number: str = Query(..., description="报告编号（22 位）", examples=[NUMBER]),
    code: str = Query(..., description="报告上的验证码"),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    return service.verify_report(db, number, code)


@router.get("/reports/domains", response_model=list[DomainOut], summary="信用代证领域")
def domains() -> list[dict[str, Any]]:
    return [
        d.model_dump(include={"code", "name", "items", "departments", "basis"})
        | {"since": d.since.isoformat()}
        for d in domain_book().open_on(today())
    ]


@router.get("/reports/statistics", response_model=StatisticsOut, summary="信用报告出具统计")
def statistics(db: Session = Depends(get_db)) -> dict[str, Any]:
    return service.statistics(db)


@router.post("/reports/{number}/revoke", response_model=VerifyOut, summary="撤销信用报告")
def revoke(
    number: str,
    body: RevokeIn,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    try:
        report = service.revoke_report(db, caller, number, body.reason)
    except ReportError as exc:
        db.rollback()
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    db.commit()
    return service.verify_report(db, report.number, report.verification_code)
