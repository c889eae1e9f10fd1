"""Portal: an organisation's public credit report from its subject page, the report's HTML
view and PDF (with its verification code), and the verification page anyone may use."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.api.deps import catalog_dep, get_db
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.permissions import Principal
from xinyong.portal import csrf
from xinyong.portal.routes import render
from xinyong.reports import service
from xinyong.reports.service import ReportError, ReportRequest

router = APIRouter(include_in_schema=False)


@router.post("/subjects/{code}/report", response_model=None)
def public_report(
    request: Request,
    code: str,
    purpose: str = Form(""),
    csrf_token: str = Form(""),
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
) -> Response:
    csrf.verify(request, csrf_token)
    ip = request.client.host if request.client else None
    asked = ReportRequest(kind="organisation", code=code, purpose=purpose, content="public")
    try:
        report, _ = service.issue_report(db, Principal("portal", ip), asked, catalog, today())
    except ReportError as exc:
        db.rollback()
        return render(request, "message.html", status=422, message=str(exc))
    db.commit()
    target = f"/reports/{report.number}?code={report.verification_code}"
    return RedirectResponse(target, status_code=303)


@router.get("/reports/verify", response_class=HTMLResponse)
def verify_page(
    request: Request, number: str = "", code: str = "", db: Session = Depends(get_db)
) -> HTMLResponse:
    found = service.verify_report(db, number, code) if number.strip() else None
    return render(request, "report_verify.html", found=found, number=number, code=code)


@router.get("/reports/{number}", response_class=HTMLResponse)
def report_page(
    request: Request, number: str, code: str = "", db: Session = Depends(get_db)
) -> HTMLResponse:
    report = service.report_pdf(db, number, code)
    if report is None:
        message = "未找到该报告编号或验证码不符"
        return render(request, "message.html", status=404, message=message)
    found = service.verify_report(db, number, code)
    pdf = f"/reports/{report.number}/pdf?code={report.verification_code}"
    return render(request, "report.html", r=report.content, found=found, pdf=pdf)


@router.get("/reports/{number}/pdf", response_model=None)
def report_file(number: str, code: str = "", db: Session = Depends(get_db)) -> Response:
    report = service.report_pdf(db, number, code)
    if report is None:
        return Response("未找到该报告编号或验证码不符", status_code=404, media_type="text/plain")
    disposition = f'attachment; filename="credit-report-{report.number}.pdf"'
    return Response(
        report.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )
