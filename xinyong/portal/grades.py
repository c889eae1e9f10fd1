"""Portal: a subject's public credit grades and the form to dispute one (naming the indicator)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.api.deps import get_db
from xinyong.clock import today
from xinyong.evaluation.registry import evaluation_model
from xinyong.evaluation.views import EvaluationNotFound, evaluated_subject, subject_evaluation
from xinyong.objections import grades as grade_objections
from xinyong.objections.targets import GRADE_GROUNDS
from xinyong.permissions import Principal
from xinyong.portal import csrf
from xinyong.portal.routes import render

router = APIRouter(include_in_schema=False)


def _shown_grade(db: Session, code: str, model: str) -> dict[str, Any] | None:
    """The grade the public sees for ``code`` under ``model``, with the items one may dispute."""
    try:
        evaluated_subject(db, code)
        shown = subject_evaluation(db, Principal.anonymous(), code, model)
    except EvaluationNotFound:
        return None
    shown["items"] = grade_objections.disputed_items(evaluation_model(shown["model"]))
    return shown


def _form(
    request: Request,
    grade: dict[str, Any] | None,
    *,
    status: int = 200,
    token: str | None = None,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    if grade is None:
        message = "未找到该主体向社会公开的信用评价结果"
        return render(request, "message.html", status=404, message=message)
    token = token or csrf.token_for(request)
    response = render(
        request,
        "grade_objection_form.html",
        status=status,
        g=grade,
        token=token,
        grounds=GRADE_GROUNDS,
        error=error,
        values=values or {},
    )
    csrf.remember(response, token)
    return response


@router.get("/objections/grade", response_class=HTMLResponse)
def grade_objection_form(
    request: Request, code: str = "", model: str = "", db: Session = Depends(get_db)
) -> HTMLResponse:
    return _form(request, _shown_grade(db, code, model))


@router.post("/objections/grade", response_class=HTMLResponse)
def grade_objection_submit(
    request: Request,
    code: str = Form(""),
    model: str = Form(""),
    indicator: str = Form(""),
    filer_name: str = Form(""),
    filer_kind: str = Form("subject"),
    contact: str = Form(""),
    grounds: str = Form(""),
    description: str = Form(""),
    csrf_token: str = Form(""),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    ip = request.client.host if request.client else None
    try:
        created = grade_objections.file_grade_objection(
            db,
            Principal("portal", ip),
            code=code,
            model=model,
            indicator=indicator,
            filer_kind="public" if filer_kind == "public" else "subject",
            filer_name=filer_name,
            grounds=grounds,
            description=description,
            contact=contact or None,
            today=today(),
        )
    except grade_objections.GradeObjectionError as exc:
        db.rollback()
        values = {
            "indicator": indicator,
            "filer_name": filer_name,
            "contact": contact,
            "grounds": grounds,
            "description": description,
        }
        grade = _shown_grade(db, code, model)
        return _form(request, grade, status=422, token=csrf_token, error=str(exc), values=values)
    db.commit()
    return render(request, "objection_done.html", code=created.tracking_code)
