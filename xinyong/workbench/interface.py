"""Workbench screens of the interface service: consumers and their keys (credit office),
live usage statistics (credit office and auditors)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.keys import list_api_keys, revoke_api_key, suspend_api_key
from xinyong.accounts.models import CONSUMER_KINDS, User
from xinyong.accounts.roles import API_SCOPES
from xinyong.accounts.service import AccountError, create_api_key
from xinyong.api.deps import forget_keys, get_db
from xinyong.catalog.registry import get_catalog
from xinyong.gateway.consumers import (
    create_consumer,
    get_consumer,
    list_consumers,
    review_consumer,
)
from xinyong.permissions.policy import Principal
from xinyong.portal import csrf
from xinyong.workbench.routes import page, staff

router = APIRouter(prefix="/workbench", include_in_schema=False)


def _actor(request: Request) -> Principal:
    principal = request.state.principal
    assert isinstance(principal, Principal)
    return principal


def _keys_page(
    request: Request,
    user: User,
    db: Session,
    status: int = 200,
    error: str | None = None,
    issued: str | None = None,
) -> HTMLResponse:
    actor = _actor(request)
    return page(
        request,
        "keys.html",
        user,
        status=status,
        consumers=list_consumers(db, actor),
        keys=list_api_keys(db, actor),
        kinds=CONSUMER_KINDS,
        scopes=API_SCOPES,
        items=get_catalog().items,
        error=error,
        issued=issued,
    )


@router.get("/keys", response_class=HTMLResponse)
def keys(request: Request, user: User = Depends(staff), db: Session = Depends(get_db)) -> Response:
    return _keys_page(request, user, db)


@router.post("/consumers", response_model=None)
def add_consumer(
    request: Request,
    name: str = Form(""),
    kind: str = Form(""),
    contact: str = Form(""),
    basis: str = Form(""),
    items: list[str] = Form(default=[]),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    try:
        create_consumer(
            db,
            _actor(request),
            name=name.strip(),
            kind=kind,
            contact=contact.strip(),
            legal_basis=basis,
            items=items or None,
        )
    except AccountError as exc:
        db.rollback()
        return _keys_page(request, user, db, 422, str(exc))
    db.commit()
    return RedirectResponse("/workbench/keys", status_code=303)


@router.post("/consumers/{consumer_id}", response_model=None)
def review(
    request: Request,
    consumer_id: int,
    decision: str = Form(...),
    reason: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    try:
        review_consumer(db, _actor(request), consumer_id, decision == "approve", reason)
    except AccountError as exc:
        db.rollback()
        return _keys_page(request, user, db, 422, str(exc))
    db.commit()
    return RedirectResponse("/workbench/keys", status_code=303)


@router.get("/access", response_class=HTMLResponse)
def access_form(request: Request, user: User = Depends(staff)) -> HTMLResponse:
    return _access_page(request, user)


def _access_page(
    request: Request, user: User, status: int = 200, error: str | None = None, done: str = ""
) -> HTMLResponse:
    return page(
        request,
        "access.html",
        user,
        status=status,
        kinds=CONSUMER_KINDS,
        items=get_catalog().items,
        error=error,
        done=done,
    )


@router.post("/access", response_class=HTMLResponse)
def apply_for_access(
    request: Request,
    name: str = Form(""),
    contact: str = Form(""),
    basis: str = Form(""),
    matters: str = Form(""),
    items: list[str] = Form(default=[]),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    """A department's officer applies for its system's access to the interface."""
    csrf.verify(request, csrf_token)
    try:
        consumer = create_consumer(
            db,
            _actor(request),
            name=name.strip(),
            kind="department",
            contact=contact.strip(),
            legal_basis=basis,
            items=items or None,
            matters=matters,
            apply=True,
        )
    except AccountError as exc:
        db.rollback()
        return _access_page(request, user, 422, str(exc))
    db.commit()
    return _access_page(request, user, done=f"已提交接入申请（编号 {consumer.id}），待信用办审核")


@router.post("/keys", response_model=None)
def issue_key(
    request: Request,
    consumer: int = Form(...),
    scope: str = Form("read"),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    try:
        owner = get_consumer(db, consumer)
        issued = create_api_key(
            db, _actor(request), [scope], label=owner.name, consumer_id=owner.id
        )
    except AccountError as exc:
        db.rollback()
        return _keys_page(request, user, db, 422, str(exc))
    db.commit()
    return _keys_page(request, user, db, issued=issued.key)


@router.post("/keys/{key_id}", response_model=None)
def key_action(
    request: Request,
    key_id: int,
    action: str = Form(...),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    actor = _actor(request)
    try:
        if action == "revoke":
            revoke_api_key(db, actor, str(key_id))
        elif action in ("suspend", "resume"):
            suspend_api_key(db, actor, str(key_id), action == "suspend")
        else:
            raise AccountError(f"操作“{action}”无效，可选：suspend、resume、revoke")
    except AccountError as exc:
        db.rollback()
        return _keys_page(request, user, db, 422, str(exc))
    db.commit()
    forget_keys()  # this server refuses the key at once; the others within a second
    return RedirectResponse("/workbench/keys", status_code=303)


@router.get("/usage", response_class=HTMLResponse)
def usage_page(request: Request, user: User = Depends(staff)) -> HTMLResponse:
    return page(request, "usage.html", user)
