"""Workbench screen of credit evaluation: a subject's grade under every model that applies,
with score, explanation (veto hits first, the records behind each indicator), digest and the
history of grade changes (staff with ``evaluation.read``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.api.deps import get_db
from xinyong.evaluation.registry import models_for
from xinyong.evaluation.views import EvaluationNotFound, evaluated_subject, subject_evaluation
from xinyong.objections.grades import disputed_models
from xinyong.permissions import authorize
from xinyong.permissions.policy import Principal
from xinyong.workbench.routes import page, staff

router = APIRouter(prefix="/workbench", include_in_schema=False)


def grades_of(db: Session, actor: Principal, code: str) -> list[dict[str, Any]]:
    """The subject's evaluation under each model that applies to it (ungraded ones left out)."""
    subject = evaluated_subject(db, code)
    disputed = disputed_models(db, subject.id)
    shown = []
    for model in models_for(subject.kind):
        try:
            found = subject_evaluation(db, actor, code, model.code)
        except EvaluationNotFound:
            continue
        shown.append(found | {"disputed": model.code in disputed})
    return shown


@router.get("/evaluation", response_class=HTMLResponse)
def evaluation_screen(
    request: Request,
    code: str = "",
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    actor = request.state.principal
    assert isinstance(actor, Principal)
    authorize(actor, "evaluation.read")
    grades: list[dict[str, Any]] = []
    error = None
    if code.strip():
        try:
            grades = grades_of(db, actor, code.strip())
            if not grades:
                error = "该主体尚未评价"
        except EvaluationNotFound as exc:
            error = str(exc)
    return page(request, "evaluation.html", user, code=code.strip(), grades=grades, error=error)
