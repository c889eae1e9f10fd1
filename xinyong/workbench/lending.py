"""Workbench screen of 信易贷 statistics for the credit office (``lending.statistics``)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.api.deps import get_db
from xinyong.clock import today
from xinyong.lending.codes import lending_codes
from xinyong.lending.statistics import lending_statistics
from xinyong.permissions.policy import Principal
from xinyong.workbench.routes import page, staff
from xinyong.workflow import machines

router = APIRouter(prefix="/workbench", include_in_schema=False)


def _day(text: str, default: date) -> tuple[date, str | None]:
    if not text.strip():
        return default, None
    try:
        return date.fromisoformat(text.strip()), None
    except ValueError:
        return default, f"日期“{text}”无效，应为 YYYY-MM-DD"


@router.get("/lending", response_class=HTMLResponse)
def lending_screen(
    request: Request,
    since: str = "",
    until: str = "",
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    actor = request.state.principal
    assert isinstance(actor, Principal)
    end, bad_end = _day(until, today())
    start, bad_start = _day(since, end - timedelta(days=365))
    error = bad_start or bad_end
    try:
        stats = lending_statistics(db, actor, start, end, today())
    except ValueError as exc:
        error, stats = str(exc), lending_statistics(db, actor, end, end, today())
    return page(
        request,
        "lending.html",
        user,
        stats=stats,
        since=start.isoformat(),
        until=end.isoformat(),
        error=error,
        states=machines()["loan_application"],
        reasons=lending_codes(today()).decline_reasons,
    )
