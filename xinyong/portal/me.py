"""Own pages of enterprises and citizens (企业专属网页、市民个人网页): sign-in, own records,
grades, who read them, authorisations to banks, loan applications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.throttle import LoginLocked
from xinyong.api.deps import catalog_dep, get_caller, get_db
from xinyong.api.params import Id
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.lending import applications as loans
from xinyong.lending.authorisations import (
    LendingError,
    grant,
    market_consumers,
    offered_items,
    own_authorisations,
    revoke,
)
from xinyong.lending.codes import lending_codes
from xinyong.permissions import Principal
from xinyong.portal import csrf
from xinyong.portal.routes import render
from xinyong.selfservice import own
from xinyong.selfservice.signin import (
    SUBJECT_COOKIE,
    SignInError,
    SignInRefused,
    close_subject_session,
    open_subject_session,
    provider,
)
from xinyong.settings import get_settings
from xinyong.workflow import TransitionError, machines
from xinyong.workflow.deadlines import describe

router = APIRouter(include_in_schema=False)
LOGIN_FIELDS = ("uscc", "representative_id", "resident_id")


def _form(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    token = csrf.token_for(request)
    response = render(request, name, status=status, token=token, **context)
    csrf.remember(response, token)
    return response


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/me/login", response_class=HTMLResponse)
def login_form(request: Request, kind: str = "enterprise") -> HTMLResponse:
    chosen = "citizen" if kind == "citizen" else "enterprise"
    return _form(request, "me_login.html", kind=chosen, error=None, values={})


@router.post("/me/login", response_model=None)
def login(
    request: Request,
    kind: Annotated[str, Form()] = "enterprise",
    uscc: Annotated[str, Form()] = "",
    representative_id: Annotated[str, Form()] = "",
    resident_id: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    form = {
        "uscc": uscc,
        "representative_id": representative_id,
        "resident_id": resident_id,
        "password": password,
        "code": code,
    }
    try:
        account = provider().sign_in(db, kind, form, _ip(request))
    except (SignInError, LoginLocked) as exc:
        db.commit()  # the failure is counted and audited
        status = (
            429 if isinstance(exc, LoginLocked) else 401 if isinstance(exc, SignInRefused) else 422
        )
        values = {"uscc": uscc} if kind == "enterprise" else {}
        return _form(request, "me_login.html", status, kind=kind, error=str(exc), values=values)
    token = open_subject_session(db, account, _ip(request))
    db.commit()
    response = RedirectResponse("/me", status_code=303)
    response.set_cookie(
        SUBJECT_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        max_age=get_settings().session_hours * 3600,
    )
    return response


@router.post("/me/logout")
def logout(request: Request, db: Session = Depends(get_db)) -> RedirectResponse:
    token = request.cookies.get(SUBJECT_COOKIE)
    if token:
        close_subject_session(db, token)
        db.commit()
    response = RedirectResponse("/me/login", status_code=303)
    response.delete_cookie(SUBJECT_COOKIE)
    return response


@router.get("/me", response_class=HTMLResponse)
def own_page(
    request: Request,
    db: Session = Depends(get_db),
    caller: Principal = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    return _own_page(request, db, caller, catalog)


def _own_page(
    request: Request,
    db: Session,
    caller: Principal,
    catalog: Catalog,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    subject = own.own_subject(db, caller)
    day = today()
    states = machines()["loan_application"]
    codes = lending_codes(day)
    applications = [
        {
            "a": a,
            "product": p.name,
            "bank": c.name,
            "state": states.label_of(a.state),
            "deadline": describe(a.due_date, day) if a.state == "submitted" else None,
            "reason": codes.decline_reasons.get(a.decline_reason or ""),
            "guarantee": codes.guarantees[a.guarantee].label if a.guarantee else None,
            "open": a.state in ("submitted", "accepted"),
        }
        for a, p, c in loans.own_applications(db, subject.id)
    ]
    return _form(
        request,
        "me.html",
        status,
        me=own.own_identity(subject),
        records=own.own_records(db, subject, catalog, day),
        grades=own.own_grades(db, caller, subject),
        reads=own.reads_of_own(db, subject),
        authorisations=own_authorisations(db, subject.id, day),
        applications=applications,
        products=loans.products(db),
        banks=market_consumers(db),
        offered=offered_items(catalog, subject.kind),
        item_names={code: item.name for code, item in catalog.items.items()},
        error=error,
        notice=notice,
    )


@router.post("/me/authorisations/{authorisation_id}/revoke", response_class=HTMLResponse)
def revoke_authorisation(
    request: Request,
    authorisation_id: Id,
    csrf_token: Annotated[str, Form()] = "",
    db: Session = Depends(get_db),
    caller: Principal = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    try:
        revoke(db, caller, authorisation_id)
    except LendingError as exc:
        db.rollback()
        return _own_page(request, db, caller, catalog, 422, error=str(exc))
    db.commit()
    return _own_page(request, db, caller, catalog, notice=f"授权（编号 {authorisation_id}）已撤销")


@router.post("/me/authorisations", response_class=HTMLResponse)
def new_authorisation(
    request: Request,
    consumer_id: Annotated[Id, Form()],
    items: Annotated[list[str] | None, Form()] = None,
    days: Annotated[int, Form()] = 30,
    purpose: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    db: Session = Depends(get_db),
    caller: Principal = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    try:
        made = grant(db, caller, catalog, consumer_id, items or [], days, purpose, today())
    except LendingError as exc:
        db.rollback()
        return _own_page(request, db, caller, catalog, 422, error=str(exc))
    db.commit()
    return _own_page(
        request, db, caller, catalog, notice=f"已授权（编号 {made.id}），有效至 {made.valid_until}"
    )


@router.get("/me/loans/new", response_class=HTMLResponse)
def loan_form(
    request: Request,
    product_id: Id,
    db: Session = Depends(get_db),
    caller: Principal = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    return _loan_form(request, db, caller, catalog, product_id, None, {})


def _loan_form(
    request: Request,
    db: Session,
    caller: Principal,
    catalog: Catalog,
    product_id: int,
    error: str | None,
    values: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    subject = own.own_subject(db, caller)
    found = [(p, c) for p, c in loans.products(db) if p.id == product_id]
    if not found:
        return render(request, "message.html", status=404, message="该贷款产品不存在或已下架")
    product, bank = found[0]
    offered = [
        i
        for i in catalog.items.values()
        if i.sharing is None
        and subject.kind in {str(getattr(k, "value", k)) for k in i.subject_kinds}
    ]
    return _form(
        request,
        "me_loan_form.html",
        status,
        me=own.own_identity(subject),
        product=product,
        bank=bank,
        items=offered,
        guarantee=lending_codes(today()).guarantees[product.guarantee].label,
        error=error,
        values=values,
    )


@router.post("/me/loans", response_class=HTMLResponse)
def apply(
    request: Request,
    product_id: Annotated[Id, Form()],
    amount_wan: Annotated[str, Form()] = "",
    term_months: Annotated[int, Form()] = 12,
    purpose: Annotated[str, Form()] = "",
    items: Annotated[list[str] | None, Form()] = None,
    days: Annotated[int, Form()] = 30,
    csrf_token: Annotated[str, Form()] = "",
    db: Session = Depends(get_db),
    caller: Principal = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    try:
        made = loans.apply_for_loan(
            db,
            caller,
            catalog,
            product_id=product_id,
            amount_wan=amount_wan,
            term_months=term_months,
            purpose=purpose,
            items=items or [],
            days=days,
            today=today(),
        )
    except (LendingError, TransitionError) as exc:
        db.rollback()
        values = {
            "amount_wan": amount_wan,
            "term_months": term_months,
            "purpose": purpose,
            "items": items or [],
            "days": days,
        }
        return _loan_form(request, db, caller, catalog, product_id, str(exc), values, 422)
    db.commit()
    return _own_page(
        request,
        db,
        caller,
        catalog,
        notice=f"贷款申请已提交，申请编号 {made.tracking_code}，授权编号 {made.authorisation_id}",
    )


@router.post("/me/loans/{application_id}/withdraw", response_class=HTMLResponse)
def withdraw(
    request: Request,
    application_id: Id,
    csrf_token: Annotated[str, Form()] = "",
    db: Session = Depends(get_db),
    caller: Principal = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    try:
        loans.withdraw(db, caller, application_id)
    except (LendingError, TransitionError) as exc:
        db.rollback()
        return _own_page(request, db, caller, catalog, 422, error=str(exc))
    db.commit()
    return _own_page(request, db, caller, catalog, notice="贷款申请已撤回")
