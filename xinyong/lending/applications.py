"""Loan products, applications and the bank's answers (信易贷).

A bank publishes products; an enterprise applies for one, authorising the bank to read the
items it chooses for a limited time; the bank accepts or declines within the deadline
``accept_loan_application`` (working days, ``workflow/deadlines.yaml``), may run its 双查询
(the credit check with matter LN), and reports the result: granted (amount, rate, term,
guarantee, date) or declined with a reason code (``codes.yaml``). States: ``machines.yaml``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Consumer
from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import Catalog
from xinyong.lending.authorisations import LendingError, check_items, grant
from xinyong.lending.codes import lending_codes
from xinyong.lending.models import LoanApplication, LoanProduct
from xinyong.measures.checks import run_check
from xinyong.permissions import PermissionDenied, Principal, authorize, owns_subject
from xinyong.subjects.models import Subject
from xinyong.subjects.service import NATURAL_PERSON, subject_ref
from xinyong.workflow import move
from xinyong.workflow.codes import tracking_code
from xinyong.workflow.deadlines import due_date

LENDING_MATTER = "LN"  # 金融授信（信易贷）: the bank's 双查询 is the credit check of this matter


def _bank(session: Session, actor: Actor) -> Consumer:
    """The bank behind a lending key."""
    consumer_id = actor.consumer_id if isinstance(actor, Principal) else None
    consumer = session.get(Consumer, consumer_id) if consumer_id else None
    if consumer is None or consumer.kind != "bank":
        raise PermissionDenied("只有金融机构（接入方类型 bank）的密钥可以办理信易贷业务")
    return consumer


def _decimal(value: Any, field: str, places: str = "0.01") -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise LendingError(f"字段“{field}”的值“{value}”不是数字") from None
    if not number.is_finite() or number <= 0:
        raise LendingError(f"字段“{field}”的值“{value}”应大于0")
    return number.quantize(Decimal(places))  # as stored (万元 to the hundredth, % to 0.001)


def publish_product(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    *,
    name: str,
    guarantee: str,
    max_amount_wan: Any,
    max_term_months: int,
    rate_from: Any,
    items: list[str],
    description: str | None,
    today: date,
) -> LoanProduct:
    authorize(actor, "loan.publish")
    bank = _bank(session, actor)
    codes = lending_codes(today)
    if guarantee not in codes.guarantees:
        raise LendingError(f"担保方式“{guarantee}”无效，可选：{'、'.join(codes.guarantees)}")
    if not name.strip():
        raise LendingError("请填写产品名称（name）")
    if max_term_months <= 0:
        raise LendingError(f"字段“max_term_months”的值“{max_term_months}”应大于0")
    product = LoanProduct(
        consumer_id=bank.id,
        name=name.strip(),
        guarantee=guarantee,
        max_amount_wan=_decimal(max_amount_wan, "max_amount_wan"),
        max_term_months=max_term_months,
        rate_from=_decimal(rate_from, "rate_from", "0.001"),
        items=check_items(catalog, bank, items),
        description=description,
        active=True,
    )
    session.add(product)
    session.flush()
    record_event(
        session, actor, "loan_product.publish", "loan_product", product.id, detail={"name": name}
    )
    return product


def products(session: Session) -> list[tuple[LoanProduct, Consumer]]:
    """Active products with their banks."""
    return [
        (p, c)
        for p, c in session.execute(
            select(LoanProduct, Consumer)
            .join(Consumer, Consumer.id == LoanProduct.consumer_id)
            .where(LoanProduct.active.is_(True), Consumer.state == "approved")
            .order_by(LoanProduct.id)
        ).all()
    ]


def apply_for_loan(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    *,
    product_id: int,
    amount_wan: Any,
    term_months: int,
    purpose: str,
    items: list[str],
    days: int,
    today: date,
) -> LoanApplication:
    """The signed-in enterprise applies and authorises the product's bank to read ``items``
    for ``days`` days."""
    authorize(actor, "loan.apply")
    assert isinstance(actor, Principal) and actor.subject_id is not None
    subject = session.get(Subject, actor.subject_id)
    if subject is None or subject.kind == NATURAL_PERSON:
        raise LendingError("信易贷面向企业等市场主体，请以企业账号申请")
    product = session.get(LoanProduct, product_id)
    if product is None or not product.active:
        raise LendingError(f"贷款产品（编号 {product_id}）不存在或已下架")
    amount = _decimal(amount_wan, "amount_wan")
    if amount > product.max_amount_wan:
        raise LendingError(
            f"申请金额 {amount} 万元超过“{product.name}”的最高额度 {product.max_amount_wan} 万元"
        )
    if not 1 <= term_months <= product.max_term_months:
        raise LendingError(
            f"期限“{term_months}”个月无效：“{product.name}”为1至{product.max_term_months}个月"
        )
    if not purpose.strip():
        raise LendingError("请写明贷款用途（purpose）")
    authorisation = grant(
        session,
        actor,
        catalog,
        product.consumer_id,
        items,
        days,
        f"申请贷款：{product.name}",
        today,
    )
    application = LoanApplication(
        tracking_code=tracking_code("DK", today),
        subject_id=subject.id,
        product_id=product.id,
        consumer_id=product.consumer_id,
        authorisation_id=authorisation.id,
        amount_wan=amount,
        term_months=term_months,
        purpose=purpose.strip()[:200],
        state="submitted",
        submitted_on=today,
        due_date=due_date("accept_loan_application", today),
    )
    session.add(application)
    session.flush()
    move(
        session,
        "loan_application",
        application.id,
        None,
        "submitted",
        actor,
        detail={"product": product.id, "amount_wan": str(amount)},
    )
    return application


def _own_application(session: Session, actor: Actor, application_id: int) -> LoanApplication:
    application = session.get(LoanApplication, application_id)
    if application is None:
        raise LendingError(f"贷款申请（编号 {application_id}）不存在")
    return application


def bank_applications(
    session: Session, actor: Actor, state: str | None = None
) -> list[LoanApplication]:
    authorize(actor, "loan.read")
    bank = _bank(session, actor)
    query = select(LoanApplication).where(LoanApplication.consumer_id == bank.id)
    if state:
        query = query.where(LoanApplication.state == state)
    return list(session.execute(query.order_by(LoanApplication.id)).scalars())


def respond(
    session: Session,
    actor: Actor,
    application_id: int,
    action: str,
    today: date,
    *,
    reason: str | None = None,
    note: str | None = None,
    amount_wan: Any = None,
    rate: Any = None,
    term_months: int | None = None,
    guarantee: str | None = None,
    granted_on: date | None = None,
) -> LoanApplication:
    """The bank accepts, declines (with a reason code) or reports a loan granted."""
    authorize(actor, "loan.respond")
    bank = _bank(session, actor)
    application = _own_application(session, actor, application_id)
    if application.consumer_id != bank.id:
        raise PermissionDenied(f"贷款申请（编号 {application_id}）不是向本机构提出的")
    codes = lending_codes(today)
    detail: dict[str, Any] = {}
    if action == "accept":
        target = "accepted"
    elif action == "decline":
        if reason not in codes.decline_reasons:
            raise LendingError(
                f"拒绝原因代码“{reason}”无效，可选：{'、'.join(codes.decline_reasons)}"
            )
        target = "declined"
        application.decline_reason = reason
        application.decided_on = today
        detail["reason"] = reason
    elif action == "grant":
        target = "granted"
        _granted(
            application,
            codes.guarantees,
            amount_wan,
            rate,
            term_months,
            guarantee,
            granted_on or today,
            today,
        )
        detail |= {"amount_wan": str(application.granted_amount_wan), "guarantee": guarantee}
    else:
        raise LendingError(f"操作“{action}”无效，可选：accept、decline、grant")
    application.state = move(
        session,
        "loan_application",
        application.id,
        application.state,
        target,
        actor,
        reason=note,
        detail=detail,
    )
    application.responded_on = application.responded_on or today
    application.note = note or application.note
    return application


def _granted(
    application: LoanApplication,
    guarantees: dict[str, Any],
    amount_wan: Any,
    rate: Any,
    term_months: int | None,
    guarantee: str | None,
    granted_on: date,
    today: date,
) -> None:
    if guarantee not in guarantees:
        raise LendingError(f"担保方式“{guarantee}”无效，可选：{'、'.join(guarantees)}")
    if not term_months or term_months <= 0:
        raise LendingError(f"字段“term_months”的值“{term_months}”应大于0")
    if granted_on > today or granted_on < application.submitted_on:
        raise LendingError(
            f"放款日期“{granted_on}”应在申请日 {application.submitted_on} 与今天 {today} 之间"
        )
    application.granted_amount_wan = _decimal(amount_wan, "amount_wan")
    application.rate = _decimal(rate, "rate", "0.001")
    application.granted_term_months = term_months
    application.guarantee = guarantee
    application.decided_on = granted_on


def withdraw(session: Session, actor: Actor, application_id: int) -> LoanApplication:
    authorize(actor, "loan.apply")
    application = _own_application(session, actor, application_id)
    if not owns_subject(actor, application.subject_id):
        raise LendingError(f"贷款申请（编号 {application_id}）不存在")
    application.state = move(
        session, "loan_application", application.id, application.state, "withdrawn", actor
    )
    return application


def dual_check(session: Session, actor: Actor, application_id: int, today: date) -> dict[str, Any]:
    """The bank's 双查询: the credit check of the applicant with matter LN; its id is kept on
    the application and the applicant sees it among the reads of its records."""
    authorize(actor, "loan.respond")
    bank = _bank(session, actor)
    application = _own_application(session, actor, application_id)
    if application.consumer_id != bank.id:
        raise PermissionDenied(f"贷款申请（编号 {application_id}）不是向本机构提出的")
    subject = session.get(Subject, application.subject_id)
    assert subject is not None and subject.uscc is not None
    purpose = f"信易贷贷前双查询（贷款申请 {application.tracking_code}）"
    answer = run_check(session, actor, None, [subject.uscc], LENDING_MATTER, purpose, today)
    application.check_id = answer["check_id"]
    record_event(
        session,
        actor,
        "lending.check",
        "subject",
        subject_ref(subject),
        purpose=purpose,
        detail={"check_id": answer["check_id"], "application": application.id},
    )
    return answer


def own_applications(
    session: Session, subject_id: int
) -> list[tuple[LoanApplication, LoanProduct, Consumer]]:
    return [
        (a, p, c)
        for a, p, c in session.execute(
            select(LoanApplication, LoanProduct, Consumer)
            .join(LoanProduct, LoanProduct.id == LoanApplication.product_id)
            .join(Consumer, Consumer.id == LoanApplication.consumer_id)
            .where(LoanApplication.subject_id == subject_id)
            .order_by(LoanApplication.id.desc())
        ).all()
    ]
