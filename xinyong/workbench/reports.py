"""Workbench 信用报告 screen: issue a report at the counter (government content for
government use; a natural person's own report after checking the ID card; a special report
for the domains and period the subject or its agent chooses), the register of issued reports
with their statistics, and revocation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.api.deps import catalog_dep, get_db
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.permissions import authorize
from xinyong.permissions.policy import Principal
from xinyong.portal import csrf
from xinyong.reports import service
from xinyong.reports.domains import domain_book
from xinyong.reports.service import ReportError, ReportRequest
from xinyong.workbench.routes import page, staff

router = APIRouter(prefix="/workbench", include_in_schema=False)


def _screen(
    request: Request, db: Session, user: User, status: int = 200, **context: object
) -> HTMLResponse:
    actor = request.state.principal
    assert isinstance(actor, Principal)
    authorize(actor, "report.read")
    return page(
        request,
        "reports.html",
        user,
        status=status,
        reports=service.register(db),
        stats=service.statistics(db),
        domains=domain_book().open_on(today()),
        max_years=domain_book().max_years,
        **context,
    )


@router.get("/reports", response_class=HTMLResponse)
def reports_screen(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    return _screen(request, db, user)


@router.post("/reports", response_class=HTMLResponse)
def issue(
    request: Request,
    kind: str = Form("organisation"),
    code: str = Form(""),
    purpose: str = Form(""),
    domains: list[str] = Form([]),
    years: str = Form(""),
    identity_name: str = Form(""),
    identity_checked: str = Form(""),
    agent: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    actor = request.state.principal
    assert isinstance(actor, Principal)
    asked = ReportRequest(
        kind=kind,
        code=code.strip(),
        purpose=purpose,
        content="government",
        domains=domains,
        years=int(years) if years.strip().isdigit() else None,
        identity_name=identity_name or None,
        identity_checked=identity_checked == "yes",
        agent=agent or None,
    )
    try:
        report, _ = service.issue_report(db, actor, asked, catalog, today())
    except ReportError as exc:
        db.rollback()
        return _screen(request, db, user, status=422, error=str(exc), kind=kind)
    db.commit()
    issued = {
        "number": report.number,
        "code": report.verification_code,
        "pdf": f"/reports/{report.number}/pdf?code={report.verification_code}",
        "sha256": report.sha256,
    }
    return _screen(request, db, user, issued=issued, kind=kind)


@router.post("/reports/{number}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    number: str,
    reason: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    actor = request.state.principal
    assert isinstance(actor, Principal)
    try:
        service.revoke_report(db, actor, number, reason)
    except ReportError as exc:
        db.rollback()
        return _screen(request, db, user, status=422, error=str(exc))
    db.commit()
    return _screen(request, db, user, revoked=number)
