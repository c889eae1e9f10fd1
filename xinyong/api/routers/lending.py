"""信易贷 API: loan products, a bank's applications and answers, authorised reads, the 双查询,
and the credit office's statistics."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from fastapi import Depends, HTTPException, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, catalog_dep, get_caller, get_db
from xinyong.api.errors import api_router
from xinyong.api.params import Id
from xinyong.api.routers.checks import CheckOut
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.lending import applications as loans
from xinyong.lending.authorisations import (
    AuthorisationNotFound,
    LendingError,
    authorised_records,
)
from xinyong.lending.models import LoanApplication, LoanProduct
from xinyong.lending.statistics import lending_statistics
from xinyong.measures.checks import CheckError
from xinyong.workflow import TransitionError

router = api_router("信易贷")


def _unprocessable(exc: Exception) -> HTTPException:
    return HTTPException(status_code=422, detail=str(exc))


class ProductIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "小微信用贷",
                    "guarantee": "credit",
                    "max_amount_wan": "300",
                    "max_term_months": 36,
                    "rate_from": "3.45",
                    "items": ["tax_credit_grade", "social_insurance_arrears"],
                }
            ]
        },
    )

    name: str
    guarantee: str = Field(description="担保方式：credit、guarantee、mortgage、pledge")
    max_amount_wan: str = Field(description="最高额度（万元）")
    max_term_months: int
    rate_from: str = Field(description="最低年利率（%）")
    items: list[str] = Field(description="申请时请企业授权查询的目录项")
    description: str | None = None


def _product(p: LoanProduct, bank: str | None = None) -> dict[str, Any]:
    return {
        "id": p.id,
        "bank": bank,
        "name": p.name,
        "guarantee": p.guarantee,
        "max_amount_wan": str(p.max_amount_wan),
        "max_term_months": p.max_term_months,
        "rate_from": str(p.rate_from),
        "items": p.items,
        "description": p.description,
    }


PRODUCT_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "bank": "示范市农商银行",
    "name": "小微信用贷",
    "guarantee": "credit",
    "max_amount_wan": "300.00",
    "max_term_months": 36,
    "rate_from": "3.450",
    "items": ["social_insurance_arrears", "tax_credit_grade"],
    "description": None,
}


class ProductOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PRODUCT_EXAMPLE]})

    id: int
    bank: str | None
    name: str
    guarantee: str
    max_amount_wan: str
    max_term_months: int
    rate_from: str
    items: list[str]
    description: str | None


@router.get("/loan-products", response_model=list[ProductOut], summary="贷款产品（公开）")
def list_products(db: Session = Depends(get_db)) -> list[dict[str, Any]]:
    return [_product(p, c.name) for p, c in loans.products(db)]


@router.post("/loan-products", response_model=ProductOut, summary="金融机构发布贷款产品")
def publish(
    body: ProductIn,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    try:
        product = loans.publish_product(db, caller, catalog, today=today(), **body.model_dump())
    except LendingError as exc:
        raise _unprocessable(exc) from exc
    db.commit()
    return _product(product)


APPLICATION_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "tracking_code": "DK20261122ABC234",
    "applicant": {"name": "示范市鸿泰贸易有限公司", "uscc": "91440500MA4W000001"},
    "product_id": 1,
    "authorisation_id": 3,
    "amount_wan": "100.00",
    "term_months": 12,
    "purpose": "采购原材料",
    "state": "submitted",
    "submitted_on": "2026-11-22",
    "due_date": "2026-11-25",
    "check_id": None,
    "result": None,
}


class ApplicationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [APPLICATION_EXAMPLE]})

    id: int
    tracking_code: str
    applicant: dict[str, Any]
    product_id: int
    authorisation_id: int | None
    amount_wan: str
    term_months: int
    purpose: str
    state: str
    submitted_on: date
    due_date: date
    check_id: str | None
    result: dict[str, Any] | None


def _application(db: Session, a: LoanApplication) -> dict[str, Any]:
    from xinyong.subjects.models import Subject

    subject = db.get(Subject, a.subject_id)
    result = None
    if a.state == "granted":
        result = {
            "amount_wan": str(a.granted_amount_wan),
            "rate": str(a.rate),
            "term_months": a.granted_term_months,
            "guarantee": a.guarantee,
            "granted_on": a.decided_on,
        }
    elif a.state == "declined":
        result = {"reason": a.decline_reason, "declined_on": a.decided_on}
    return {
        "id": a.id,
        "tracking_code": a.tracking_code,
        "applicant": {"name": subject.name if subject else None, "uscc": subject and subject.uscc},
        "product_id": a.product_id,
        "authorisation_id": a.authorisation_id,
        "amount_wan": str(a.amount_wan),
        "term_months": a.term_months,
        "purpose": a.purpose,
        "state": a.state,
        "submitted_on": a.submitted_on,
        "due_date": a.due_date,
        "check_id": a.check_id,
        "result": result,
    }


@router.get(
    "/loan-applications", response_model=list[ApplicationOut], summary="本机构收到的贷款申请"
)
def bank_applications(
    state: str | None = Query(
        None, description="状态：submitted、accepted、granted、declined、withdrawn"
    ),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> list[dict[str, Any]]:
    return [_application(db, a) for a in loans.bank_applications(db, caller, state)]


class AnswerIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action": "accept"},
                {"action": "decline", "reason": "D02", "note": "经营年限不足"},
                {
                    "action": "grant",
                    "amount_wan": "80",
                    "rate": "3.65",
                    "term_months": 12,
                    "guarantee": "credit",
                    "granted_on": "2026-11-24",
                },
            ]
        },
    )

    action: Literal["accept", "decline", "grant"]
    reason: str | None = Field(None, description="拒绝原因代码（D01…D99）")
    note: str | None = None
    amount_wan: str | None = None
    rate: str | None = Field(None, description="年利率（%）")
    term_months: int | None = None
    guarantee: str | None = None
    granted_on: date | None = None


@router.post(
    "/loan-applications/{application_id}/actions",
    response_model=ApplicationOut,
    summary="受理、拒绝贷款申请或反馈放款结果",
)
def answer(
    application_id: Id,
    body: AnswerIn,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    fields = body.model_dump(exclude={"action"})
    try:
        application = loans.respond(db, caller, application_id, body.action, today(), **fields)
    except (LendingError, TransitionError) as exc:
        raise _unprocessable(exc) from exc
    db.commit()
    return _application(db, application)


@router.post(
    "/loan-applications/{application_id}/check",
    summary="贷前双查询（事项 LN 金融授信的信用核查）",
    response_model=None,
    responses={200: {"model": CheckOut, "description": "信用核查的答复（与 POST /checks 相同）"}},
)
def dual_check(
    application_id: Id, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> JSONResponse:
    try:
        answer = loans.dual_check(db, caller, application_id, today())
    except (LendingError, CheckError) as exc:
        raise _unprocessable(exc) from exc
    db.commit()
    return JSONResponse(jsonable_encoder(answer))


class AuthorisedOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "authorisation_id": 3,
                    "subject": {"name": "示范市鸿泰贸易有限公司", "ref": "91440500MA4W000001"},
                    "item": "tax_credit_grade",
                    "item_name": "纳税信用等级信息",
                    "valid_until": "2026-12-21",
                    "records": [],
                }
            ]
        }
    )

    authorisation_id: int
    subject: dict[str, Any]
    item: str
    item_name: str
    valid_until: date
    records: list[dict[str, Any]]


@router.get(
    "/authorisations/{authorisation_id}/records/{item}",
    response_model=AuthorisedOut,
    summary="查询主体授权本机构查看的信用信息（每次查询记入审计，主体可见）",
)
def authorised_read(
    authorisation_id: Id,
    item: str,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    try:
        shown = authorised_records(db, caller, catalog, authorisation_id, item, today())
    except AuthorisationNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    db.commit()
    return shown


class StatisticsOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "from": "2025-11-22",
                    "to": "2026-11-22",
                    "applications": 120,
                    "by_state": {"granted": 64, "declined": 21, "accepted": 20, "submitted": 15},
                    "applicants": 97,
                    "responded": 85,
                    "mean_response_working_days": 3.4,
                    "responded_late": 6,
                    "overdue_unanswered": 2,
                    "granted": 64,
                    "grant_rate": 0.7529,
                    "granted_amount_wan": "8650.00",
                    "borrowers": 58,
                    "first_time_borrowers": 31,
                    "credit_loan_share": 0.4375,
                    "credit_loan_amount_share": 0.3912,
                    "market_subjects": 1530,
                    "borrower_share": 0.0379,
                    "decline_reasons": {"经营状况不满足": 9, "信用记录不良": 7},
                }
            ]
        },
    )

    since: date = Field(alias="from", description="起始日")
    until: date = Field(alias="to", description="截止日")
    applications: int = Field(description="期间提交的贷款申请数")
    by_state: dict[str, int] = Field(description="按状态的申请数")
    applicants: int = Field(description="申请企业数")
    responded: int = Field(description="已答复的申请数")
    mean_response_working_days: float | None = Field(description="平均答复用时（工作日）")
    responded_late: int = Field(description="超过期限答复的申请数")
    overdue_unanswered: int = Field(description="已超期仍未答复的申请数")
    granted: int = Field(description="获贷申请数")
    grant_rate: float | None = Field(description="获贷率（获贷 / 已决定）")
    granted_amount_wan: str = Field(description="获贷金额合计（万元）")
    borrowers: int = Field(description="获贷企业数")
    first_time_borrowers: int = Field(description="首贷企业数")
    credit_loan_share: float | None = Field(description="信用贷款笔数占比")
    credit_loan_amount_share: float | None = Field(description="信用贷款金额占比")
    market_subjects: int = Field(description="本地市场主体数")
    borrower_share: float | None = Field(description="获贷企业占本地市场主体的比例")
    decline_reasons: dict[str, int] = Field(description="未获贷原因及次数")


@router.get(
    "/lending/statistics",
    summary="信易贷统计（信用办）",
    response_model=StatisticsOut,
    response_model_by_alias=True,
)
def statistics(
    since: date | None = Query(None, alias="from", description="起始日（默认：一年前）"),
    until: date | None = Query(None, alias="to", description="截止日（默认：今天）"),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    end = until or today()
    try:
        return lending_statistics(db, caller, since or end - timedelta(days=365), end, today())
    except ValueError as exc:
        raise _unprocessable(exc) from exc
