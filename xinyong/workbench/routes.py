"""Workbench pages: login, review queue, objections and repair by deadline, code conflicts,
quality, upload, and the audit log (auditors only). Every form carries a CSRF token."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department, User
from xinyong.accounts.roles import ROLES
from xinyong.accounts.service import authenticate, close_session, open_session, user_for_session
from xinyong.accounts.throttle import LoginLocked
from xinyong.api.deps import SESSION_COOKIE, get_db
from xinyong.api.params import Id
from xinyong.audit.log import verify_chain
from xinyong.audit.models import AuditEntry
from xinyong.catalog.registry import get_catalog
from xinyong.clock import today
from xinyong.ingest.batches import rejected_file_for, reporting_department
from xinyong.ingest.conflicts import ConflictError, resolve
from xinyong.ingest.models import CodeConflict
from xinyong.ingest.pipeline import ingest_file
from xinyong.ingest.quality import quality_report
from xinyong.ingest.readers import ReadError
from xinyong.lists import recognition
from xinyong.lists.models import ListRecognition
from xinyong.lists.service import list_types
from xinyong.measures.feedback import FeedbackError
from xinyong.measures.feedback import report as report_feedback
from xinyong.measures.feedback import statistics as joint_statistics
from xinyong.measures.models import JointTask
from xinyong.measures.registry import measure_book
from xinyong.news import service as news
from xinyong.news.models import Article
from xinyong.objections import service as objections
from xinyong.objections.targets import is_grade_objection
from xinyong.permissions.policy import Principal
from xinyong.portal import csrf
from xinyong.publicity import lifecycle
from xinyong.repair import service as repair
from xinyong.repair.models import RepairApplication
from xinyong.safety.uploads import store_upload
from xinyong.settings import get_settings
from xinyong.subjects.models import Subject
from xinyong.subjects.service import find_subject
from xinyong.workbench.audit_view import action_label, local_time
from xinyong.workdays import working_days_between
from xinyong.workflow import TransitionError, machines

HERE = Path(__file__).parent
templates = Jinja2Templates(
    directory=[str(HERE / "templates"), str(HERE.parent / "portal" / "templates")]
)
router = APIRouter(prefix="/workbench", include_in_schema=False)
ACTION_ERRORS = (
    TransitionError,
    objections.ObjectionError,
    repair.RepairError,
    lifecycle.PublicationError,
    recognition.RecognitionError,
    FeedbackError,
    ConflictError,
)


class LoginRequired(Exception):
    pass


def staff(request: Request, db: Session = Depends(get_db)) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    user = user_for_session(db, token) if token else None
    if user is None:
        raise LoginRequired()
    return user


def refusal_page(request: Request, message: str, status: int) -> HTMLResponse:
    """A refused page (403) in the workbench's layout, with the reason."""
    return page(request, "message.html", None, status=status, message=message)


def page(
    request: Request, name: str, user: User | None, status: int = 200, **context: Any
) -> HTMLResponse:
    token = csrf.token_for(request)
    context.update(
        city=get_settings().city_name,
        user=user,
        token=token,
        role_label=ROLES.get(user.role, "") if user else "",
    )
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'self'"
    csrf.remember(response, token)
    return response


def _actor(user: User, request: Request) -> Principal:
    """The signed-in user as the services' actor: the principal the route gate resolved."""
    principal = request.state.principal
    assert isinstance(principal, Principal) and principal.name == f"user:{user.username}"
    return principal


def _deadline_class(due: Any) -> str:
    if due is None:
        return "due-none"
    left = working_days_between(today(), due)
    return "due-over" if left < 0 else "due-soon" if left <= 1 else "due-ok"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html", None, error=None)


@router.post("/login", response_model=None)
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    csrf_token: str = Form(""),
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    ip = request.client.host if request.client else None
    try:
        user = authenticate(db, username, password, ip)
    except LoginLocked as locked:
        db.commit()  # the refusal is audited
        return page(request, "login.html", None, status=429, error=str(locked))
    if user is None:
        db.commit()  # the failure is counted and audited
        return page(request, "login.html", None, status=401, error="用户名或密码不正确")
    token = open_session(db, user, ip)
    db.commit()
    response = RedirectResponse("/workbench", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        max_age=get_settings().session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(
    request: Request, csrf_token: str = Form(""), db: Session = Depends(get_db)
) -> RedirectResponse:
    csrf.verify(request, csrf_token)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        close_session(db, token)
        db.commit()
    response = RedirectResponse("/workbench/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("", response_class=HTMLResponse)
def dashboard(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    own = _own_department(request)
    office = own is None
    counts = {
        "publications": len(lifecycle.review_queue(db, own)),
        "objections": len(objections.queue(db)) if office else 0,
        "repairs": len(repair.queue(db)) if office else 0,
        "conflicts": len(_open_conflicts(db, own)),
    }
    return page(request, "dashboard.html", user, counts=counts)


def _act(
    request: Request,
    user: User,
    db: Session,
    csrf_token: str,
    target: str,
    action: Callable[[], object],
) -> Response:
    csrf.verify(request, csrf_token)
    try:
        action()
    except ACTION_ERRORS as exc:
        db.rollback()
        return page(request, "message.html", user, status=409, message=str(exc))
    db.commit()
    return RedirectResponse(target, status_code=303)


def _dispatch(
    request: Request,
    user: User,
    db: Session,
    csrf_token: str,
    target: str,
    actions: dict[str, Callable[[], object]],
    action: str,
) -> Response:
    """Run the named action of a queue page, refusing names the page does not offer."""
    if action not in actions:
        raise HTTPException(
            status_code=422, detail=f"操作“{action}”无效，可选：{'、'.join(actions)}"
        )
    return _act(request, user, db, csrf_token, target, actions[action])


@router.get("/objections", response_class=HTMLResponse)
def objection_queue(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    queue = objections.queue(db)
    names = _subject_names(db, [o.subject_id for o in queue])
    label = machines()["objection"].label_of
    rows = [
        {
            "o": o,
            "cls": _deadline_class(o.due_date),
            "state": label(o.state),
            "grounds": objections.grounds_label(o.grounds),
            "grade": is_grade_objection(o),
        }
        for o in queue
    ]
    return page(request, "objections.html", user, rows=rows, names=names)


@router.post("/objections/{objection_id}")
def objection_action(
    request: Request,
    objection_id: Id,
    action: str = Form(...),
    reason: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    found = db.get(objections.Objection, objection_id)
    if found is None:
        raise HTTPException(status_code=404, detail="异议不存在")
    actor = _actor(user, request)
    actions: dict[str, Callable[[], object]] = {
        "accept": lambda: objections.accept(db, found, actor, today()),
        "reject": lambda: objections.reject(db, found, actor, reason),
        "confirmed": lambda: objections.decide(db, found, actor, "confirmed", reason),
        "corrected": lambda: objections.decide(
            db, found, actor, "corrected", reason, not is_grade_objection(found)
        ),
    }
    return _dispatch(request, user, db, csrf_token, "/workbench/objections", actions, action)


@router.get("/repairs", response_class=HTMLResponse)
def repair_queue(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    queue = repair.queue(db)
    names = _subject_names(db, [a.subject_id for a in queue])
    rows = [{"a": a, "cls": _deadline_class(a.due_date)} for a in queue]
    return page(request, "repairs.html", user, rows=rows, names=names)


@router.get("/conflicts", response_class=HTMLResponse)
def conflicts(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    return page(request, "conflicts.html", user, rows=_open_conflicts(db, _own_department(request)))


@router.get("/quality", response_class=HTMLResponse)
def quality(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    return page(request, "quality.html", user, rows=quality_report(db))


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, user: User = Depends(staff)) -> HTMLResponse:
    return page(request, "upload.html", user, items=get_catalog().items, result=None, error=None)


@router.post("/upload", response_class=HTMLResponse)
def upload(
    request: Request,
    file: UploadFile,
    item: str = Form(...),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    department = reporting_department(db, _actor(user, request))
    folder = get_settings().data_dir / "rejected" / uuid.uuid4().hex
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = store_upload(file.file, Path(tmp), file.filename, "upload.csv")
            result = ingest_file(
                db,
                item,
                path,
                actor=_actor(user, request),
                department=department,
                rejected_dir=folder,
            )
        except (ReadError, ValueError) as exc:
            db.rollback()
            return page(
                request,
                "upload.html",
                user,
                status=422,
                items=get_catalog().items,
                result=None,
                error=str(exc),
            )
    db.commit()
    return page(request, "upload.html", user, items=get_catalog().items, result=result, error=None)


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    entries = (
        db.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(200)).scalars().all()
    )
    count, problems = verify_chain(db)
    return page(
        request,
        "audit.html",
        user,
        entries=entries,
        count=count,
        problems=problems,
        action_label=action_label,
        local_time=local_time,
    )


def _own_department(request: Request) -> int | None:
    """The department whose work a department's officer sees (None: the credit office sees
    every department's)."""
    principal = request.state.principal
    assert isinstance(principal, Principal)
    return None if principal.credit_office else principal.department_id


def _open_conflicts(db: Session, department_id: int | None = None) -> list[CodeConflict]:
    query = select(CodeConflict).where(CodeConflict.status == "open")
    if department_id is not None:
        query = query.where(CodeConflict.department_id == department_id)
    return list(db.execute(query.order_by(CodeConflict.opened_at)).scalars())


def _subject_names(db: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.execute(select(Subject.id, Subject.name).where(Subject.id.in_(ids))).all()
    return {sid: name for sid, name in rows}


@router.get("/articles", response_class=HTMLResponse)
def articles(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    rows = _articles(db)
    return page(request, "articles.html", user, rows=rows, kinds=news.KINDS, error=None)


def _articles(db: Session) -> list[Article]:
    return list(db.execute(select(Article).order_by(Article.updated_at.desc())).scalars())


@router.post("/articles", response_model=None)
def save_article(
    request: Request,
    kind: str = Form(...),
    title: str = Form(""),
    body: str = Form(""),
    publish: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    csrf.verify(request, csrf_token)
    try:
        news.save_article(db, _actor(user, request), kind, title, body, publish == "yes")
    except news.ArticleError as exc:
        db.rollback()
        rows = _articles(db)
        return page(
            request, "articles.html", user, status=422, rows=rows, kinds=news.KINDS, error=str(exc)
        )
    db.commit()
    return RedirectResponse("/workbench/articles", status_code=303)


# -- list recognition ------------------------------------------------------------------------


@router.get("/lists", response_class=HTMLResponse)
def recognitions(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    entries = (
        db.execute(select(ListRecognition).order_by(ListRecognition.id.desc()).limit(200))
        .scalars()
        .all()
    )
    names = _subject_names(db, [e.subject_id for e in entries])
    label = machines()["list_recognition"].label_of
    rows = [
        {
            "e": e,
            "state": label(e.state),
            "cls": _deadline_class(e.report_due)
            if e.report_due and not e.reported_at
            else "due-none",
        }
        for e in entries
    ]
    return page(request, "lists.html", user, rows=rows, names=names, types=list_types(), error=None)


def _office_or_own(db: Session, user: User) -> Department:
    from xinyong.accounts.service import credit_office

    own = db.get(Department, user.department_id) if user.department_id else None
    return own or credit_office(db)


@router.post("/lists", response_model=None)
def propose_recognition(
    request: Request,
    list_code: str = Form(...),
    subtype: str = Form(""),
    subject: str = Form(""),
    reasons: str = Form(""),
    basis: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    found = find_subject(db, subject)
    if found is None:
        return page(
            request, "message.html", user, status=404, message=f"未找到代码为“{subject}”的主体"
        )
    return _act(
        request,
        user,
        db,
        csrf_token,
        "/workbench/lists",
        lambda: recognition.propose(
            db,
            _actor(user, request),
            list_code,
            subtype,
            found,
            _office_or_own(db, user),
            reasons,
            basis,
        ),
    )


@router.post("/lists/{entry_id}", response_model=None)
def recognition_action(
    request: Request,
    entry_id: Id,
    action: str = Form(...),
    decision_number: str = Form(""),
    valid_until: str = Form(""),
    reason: str = Form("expiry"),
    note: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    entry = db.get(ListRecognition, entry_id)
    if entry is None:
        raise HTTPException(status_code=404, detail="名单认定不存在")
    actor = _actor(user, request)

    def decide() -> object:
        try:
            until = date.fromisoformat(valid_until)
        except ValueError:
            raise recognition.RecognitionError("请填写有效期至（如 2029-12-31）") from None
        return recognition.decide(db, entry, actor, decision_number, until, today())

    actions: dict[str, Callable[[], object]] = {
        "notify": lambda: recognition.notify(db, entry, actor, today()),
        "decide": decide,
        "publish": lambda: recognition.publish(db, entry, actor),
        "report": lambda: recognition.mark_reported(db, entry, actor),
        "remove": lambda: recognition.remove(db, entry, actor, reason, note),
    }
    return _dispatch(request, user, db, csrf_token, "/workbench/lists", actions, action)


# -- joint measures --------------------------------------------------------------------------


@router.get("/joint", response_class=HTMLResponse)
def joint(
    request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> HTMLResponse:
    query = select(JointTask)
    own = _own_department(request)
    if own is not None:  # a department's officer: the tasks naming its department
        department = db.get(Department, own)
        names_of = [n for n in (department.name, department.short_name) if n] if department else []
        query = query.where(JointTask.implementer.in_(names_of))
    order = (JointTask.state.desc(), JointTask.due_date)
    tasks = db.execute(query.order_by(*order).limit(300)).scalars().all()
    names = _subject_names(db, [t.subject_id for t in tasks])
    book = measure_book()
    rows = [
        {
            "t": t,
            "measure": book.measures[t.measure].name,
            "cls": _deadline_class(t.due_date) if t.state == "open" else "due-none",
        }
        for t in tasks
    ]
    return page(
        request, "joint.html", user, rows=rows, names=names, stats=joint_statistics(db, today())
    )


@router.post("/joint/{task_id}", response_model=None)
def joint_feedback(
    request: Request,
    task_id: Id,
    applied: str = Form(...),
    reason: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    task = db.get(JointTask, task_id)
    if task is None:
        raise HTTPException(status_code=404, detail="任务不存在")
    department = db.get(Department, user.department_id) if user.department_id else None
    return _act(
        request,
        user,
        db,
        csrf_token,
        "/workbench/joint",
        lambda: report_feedback(
            db,
            _actor(user, request),
            department,
            task.measure,
            applied == "yes",
            reason,
            task_id=task.id,
        ),
    )


@router.post("/repairs/{application_id}", response_model=None)
def repair_action(
    request: Request,
    application_id: Id,
    action: str = Form(...),
    reason: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    found = db.get(RepairApplication, application_id)
    if found is None:
        raise HTTPException(status_code=404, detail="修复申请不存在")
    actor = _actor(user, request)
    actions: dict[str, Callable[[], object]] = {
        "accept": lambda: repair.accept(db, found, actor, today()),
        "approve": lambda: repair.approve(db, found, actor, reason or "符合修复条件"),
        "reject": lambda: repair.reject(db, found, actor, reason),
    }
    return _dispatch(request, user, db, csrf_token, "/workbench/repairs", actions, action)


@router.get("/batches/{batch_id}/rejected")
def rejected_rows(
    request: Request, batch_id: Id, user: User = Depends(staff), db: Session = Depends(get_db)
) -> FileResponse:
    try:
        path = rejected_file_for(db, _actor(user, request), batch_id)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    db.commit()
    return FileResponse(path, filename=path.name)


@router.post("/conflicts/{case_id}", response_model=None)
def resolve_conflict(
    request: Request,
    case_id: Id,
    resolution: str = Form(...),
    note: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    case = db.get(CodeConflict, case_id)
    if case is None:
        raise HTTPException(status_code=404, detail="重错码不存在")
    return _act(
        request,
        user,
        db,
        csrf_token,
        "/workbench/conflicts",
        lambda: resolve(db, _actor(user, request), case, resolution, note),
    )
