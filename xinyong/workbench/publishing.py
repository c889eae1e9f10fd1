"""Workbench screen of dual publicity (双公示): a department sends its uploaded records for
review (one or many), the credit office reviews them seeing each record's full content and
department, approves or returns them in bulk after a confirmation, and withdraws a published
record with the reason kind. Only what the signed-in user may do is offered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department, User
from xinyong.api.deps import get_db
from xinyong.api.params import Id
from xinyong.catalog.registry import get_catalog
from xinyong.clock import today
from xinyong.permissions.policy import may
from xinyong.portal import csrf
from xinyong.privacy.ids import get_protector
from xinyong.publicity import lifecycle
from xinyong.records.models import Record
from xinyong.records.views import Audience, present_record
from xinyong.subjects.models import Subject
from xinyong.workbench.routes import ACTION_ERRORS, _act, _actor, _own_department, page, staff

router = APIRouter(prefix="/workbench", include_in_schema=False)
TARGET = "/workbench/publications"
DECISIONS = {"approve": "审核通过并公示", "reject": "退回"}


def _rows(db: Session, records: list[Record]) -> list[dict[str, Any]]:
    """What a reviewer or clerk needs to see of each record: subject, department, full content
    (personal IDs masked: judging a record needs no ID number)."""
    catalog, protector = get_catalog(), get_protector()
    subject_ids = {r.subject_id for r in records}
    names = dict(
        db.execute(select(Subject.id, Subject.name).where(Subject.id.in_(subject_ids))).all()
        if subject_ids
        else []
    )
    departments = dict(db.execute(select(Department.id, Department.name)).all())
    return [
        {
            "id": r.id,
            "subject": names.get(r.subject_id, ""),
            "department": departments.get(r.department_id, "") if r.department_id else "",
            "state": r.publication_state,
            "number": r.fields.get("CF_WSH") or r.fields.get("XK_WSH") or "",
            "record": present_record(r, catalog, Audience.public, protector),
        }
        for r in records
    ]


@router.get("/publications", response_class=HTMLResponse)
def publications(
    request: Request,
    number: str = "",
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    actor = _actor(user, request)
    own = _own_department(request)
    queue = lifecycle.review_queue(db, own)
    waiting, waiting_total = lifecycle.awaiting_request(db, own)
    may_withdraw = may(actor, "publication.withdraw")
    found = lifecycle.published_by_number(db, number) if may_withdraw else []
    return page(
        request,
        "publications.html",
        user,
        queue=_rows(db, queue),
        may_review=may(actor, "publication.review"),
        waiting=_rows(db, waiting),
        waiting_total=waiting_total,
        may_request=may(actor, "publication.request", own),
        may_withdraw=may_withdraw,
        number=number,
        found=_rows(db, found),
        withdraw_kinds=lifecycle.WITHDRAW_KINDS,
    )


def _chosen(db: Session, ids: list[int]) -> list[Record]:
    if not ids:
        return []
    rows = db.execute(select(Record).where(Record.id.in_(ids))).scalars()
    return sorted(rows, key=lambda r: ids.index(r.id))


def _nothing_chosen(request: Request, user: User) -> HTMLResponse:
    return page(
        request, "message.html", user, status=422, message="请先勾选至少一条信息（record_id）"
    )


@router.post("/publications/request", response_model=None)
def request_many(
    request: Request,
    record_id: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies it)
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    """Send the chosen uploaded (or returned) records for review."""
    if not record_id:
        csrf.verify(request, csrf_token)
        return _nothing_chosen(request, user)
    actor = _actor(user, request)

    def run() -> None:
        for one in record_id:
            _one(db, one, lambda rid: lifecycle.request_publication(db, rid, actor))

    return _act(request, user, db, csrf_token, TARGET, run)


@router.post("/publications/review", response_model=None)
def review_many(
    request: Request,
    record_id: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies it)
    decision: str = Form("approve"),
    reason: str = Form(""),
    confirmed: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    """Approve (and publish) or return the chosen records; the first press shows what will
    happen to which records, the second (confirmed) does it."""
    if decision not in DECISIONS:
        csrf.verify(request, csrf_token)
        message = f"审核结论“{decision}”无效，可选：{'、'.join(DECISIONS.values())}"
        return page(request, "message.html", user, status=422, message=message)
    if not record_id:
        csrf.verify(request, csrf_token)
        return _nothing_chosen(request, user)
    if decision == "reject" and not reason.strip():
        csrf.verify(request, csrf_token)
        message = "退回须填写退回理由（reason），审核意见将随退回告知报送部门"
        return page(request, "message.html", user, status=422, message=message)
    if confirmed != "yes":
        csrf.verify(request, csrf_token)
        chosen = _rows(db, _chosen(db, record_id))
        return page(
            request,
            "publication_confirm.html",
            user,
            chosen=chosen,
            decision=decision,
            decision_label=DECISIONS[decision],
            reason=reason,
        )
    actor = _actor(user, request)

    def run() -> None:
        for one in record_id:
            _one(db, one, lambda rid: _decide(db, rid, actor, decision, reason))

    return _act(request, user, db, csrf_token, TARGET, run)


def _one(db: Session, record_id: int, action: Callable[[int], object]) -> None:
    """One record of a bulk action; a refusal names the record and stops them all."""
    try:
        action(record_id)
    except ACTION_ERRORS as exc:
        record = db.get(Record, record_id)
        number = (record.fields.get("CF_WSH") or record.fields.get("XK_WSH")) if record else None
        shown = f"文书号 {number}" if number else f"记录 {record_id}"
        raise lifecycle.PublicationError(f"{shown}：{exc}（本次批量操作均未执行）") from exc


def _decide(db: Session, record_id: int, actor: Any, decision: str, reason: str) -> None:
    if decision == "approve":
        lifecycle.review(db, record_id, actor, True, reason or None)
        lifecycle.publish(db, record_id, actor)
    else:
        lifecycle.review(db, record_id, actor, False, reason)


@router.post("/publications/{record_id}/withdraw", response_model=None)
def withdraw(
    request: Request,
    record_id: Id,
    kind: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    """Take a published record off the public pages, with the reason kind and the reason."""
    actor = _actor(user, request)

    def run() -> None:
        lifecycle.withdraw(db, record_id, actor, kind, reason, today())

    return _act(request, user, db, csrf_token, TARGET, run)


@router.post("/publications/{record_id}")
def publication_action(
    request: Request,
    record_id: Id,
    action: str = Form(...),
    reason: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    """One record's review decision (the queue row's own buttons)."""
    actor = _actor(user, request)
    decision = "approve" if action == "approve" else "reject"
    return _act(
        request,
        user,
        db,
        csrf_token,
        TARGET,
        lambda: _decide(db, record_id, actor, decision, reason),
    )
