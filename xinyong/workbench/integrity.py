"""Workbench screens of government integrity and the upward exchange: government arrears
(amounts, ages, settlement progress), and the exchange (packages, overdue items, the rows
the upper platforms rejected for the department to correct or resubmit)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.api.deps import get_db
from xinyong.api.params import Id
from xinyong.clock import today
from xinyong.exchange.packages import describe_sections
from xinyong.exchange.queue import QueueError, department_queue, list_packages, overdue, resubmit
from xinyong.integrity.arrears import government_arrears
from xinyong.permissions import authorize
from xinyong.permissions.policy import Principal, may
from xinyong.portal import csrf
from xinyong.workbench.routes import page, staff

router = APIRouter(prefix="/workbench", include_in_schema=False)


def _principal(request: Request) -> Principal:
    principal = request.state.principal
    assert isinstance(principal, Principal)
    return principal


@router.get("/arrears", response_class=HTMLResponse)
def arrears_screen(
    request: Request,
    body: str = "",
    open_only: str = "",
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    view = government_arrears(
        db, _principal(request), today(), body=body.strip() or None, open_only=bool(open_only)
    )
    return page(
        request, "arrears.html", user, view=view, body=body.strip(), open_only=bool(open_only)
    )


@router.get("/exchange", response_class=HTMLResponse)
def exchange_screen(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    actor = _principal(request)
    authorize(actor, "exchange.read_queue", actor.department_id)
    day = today()
    queue = department_queue(db, actor, None, day)
    office = may(actor, "exchange.read")
    packages = list_packages(db, actor, 20) if office else []
    late = overdue(db, actor, day) if office else []
    return page(
        request,
        "exchange.html",
        user,
        queue=queue,
        packages=[(p, describe_sections(p)) for p in packages],
        late=late,
        office=office,
    )


@router.post("/exchange/rows/{row_id}")
def resubmit_row(
    request: Request,
    row_id: Id,
    note: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    try:
        resubmit(db, _principal(request), row_id, note)
    except QueueError as exc:
        db.rollback()
        return page(request, "message.html", user, status=409, message=str(exc))
    db.commit()
    return RedirectResponse("/workbench/exchange", status_code=303)
