"""Portal pages beyond search: lists, dual publicity, objection form and tracking."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.api.deps import catalog_dep, get_caller, get_db
from xinyong.api.params import MAX_INT64, Id, Page
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.commitments import service as commitments
from xinyong.lists.service import ListError, current_entries, list_type, list_types
from xinyong.news import service as news
from xinyong.news.models import Article
from xinyong.objections import service as objections
from xinyong.permissions import Principal, owns_subject
from xinyong.portal import csrf
from xinyong.portal.routes import render
from xinyong.privacy.ids import get_protector
from xinyong.records.models import Record
from xinyong.records.public import is_public, public_condition
from xinyong.records.views import Audience, present_record
from xinyong.repair import service as repair
from xinyong.repair.models import RepairApplication
from xinyong.subjects.models import Subject
from xinyong.subjects.service import subject_ref
from xinyong.subjects.views import shown_code
from xinyong.workflow import TransitionError, machines
from xinyong.workflow.deadlines import describe

router = APIRouter(include_in_schema=False)
PAGE = 50
KINDS = {"penalty": ("admin_penalty", "行政处罚"), "license": ("admin_license", "行政许可")}


@router.get("/lists/{code}", response_class=HTMLResponse)
def list_page(
    request: Request,
    code: str,
    page: Page = 1,
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    try:
        kind = list_type(code)
    except ListError as exc:
        return render(request, "message.html", status=404, message=str(exc))
    page = max(page, 1)
    items, total = current_entries(db, catalog, code, today(), PAGE, (page - 1) * PAGE)
    return render(
        request,
        "list.html",
        kind=kind,
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        all_lists=list_types(),
    )


@router.get("/publicity", response_class=HTMLResponse)
def publicity_page(
    request: Request,
    kind: str = "penalty",
    department: str = "",
    since: str | None = None,
    until: str | None = None,
    page: Page = 1,
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    kind = kind if kind in KINDS else "penalty"
    item, label = KINDS[kind]
    # The form's "全部部门" sends an empty value: it means no filter, not a bad number.
    text = department.strip()
    department_id = int(text) if text.isdigit() and len(text) <= 19 else None
    if text and (department_id is None or not 0 < department_id <= MAX_INT64):
        shown = text if len(text) <= 40 else text[:40] + "…"
        message = f"参数 department（部门）“{shown}”无效：应为部门列表中的编号，留空表示全部部门"
        return render(request, "message.html", status=422, message=message)
    start = _date(since) or today() - timedelta(days=365)
    end = _date(until) or today()
    query = (
        select(Record, Subject)
        .join(Subject, Subject.id == Record.subject_id)
        .where(
            public_condition(catalog, today()),
            Record.item == item,
            Record.decision_date >= start,
            Record.decision_date <= end,
        )
    )
    if department_id is not None:
        query = query.where(Record.department_id == department_id)
    page = max(page, 1)
    rows = db.execute(
        query.order_by(Record.decision_date.desc(), Record.id.desc())
        .limit(PAGE)
        .offset((page - 1) * PAGE)
    ).all()
    disputed = objections.disputed_keys(db)
    protector = get_protector()
    entries = [
        {
            "subject": s,
            "code": shown_code(s, Audience.public),
            # A person's page is found by their reference, never by the masked ID shown.
            "ref": subject_ref(s),
            "record": present_record(
                r, catalog, Audience.public, protector, r.record_key in disputed
            ),
        }
        for r, s in rows
    ]
    departments = db.execute(select(Department).order_by(Department.name)).scalars().all()
    return render(
        request,
        "publicity.html",
        kind=kind,
        label=label,
        entries=entries,
        departments=departments,
        department=department_id,
        since=start.isoformat(),
        until=end.isoformat(),
        page=page,
        more=len(rows) == PAGE,
        query=urlencode(
            {"kind": kind, "department": department_id or "", "since": start, "until": end}
        ),
    )


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _shown_record(
    db: Session, catalog: Catalog, record_id: int, viewer: Principal | None = None
) -> dict[str, Any] | None:
    """The public view of a record the public may see today (or, for the subject signed in
    to its own pages, any current record of its own), or None when it is gone, superseded
    or not public (outside its publicity period, unpublished, not a public item)."""
    record = db.get(Record, record_id)
    if record is None or not record.is_current:
        return None
    own = viewer is not None and owns_subject(viewer, record.subject_id)
    if not own and not is_public(record, catalog, today()):
        return None
    return present_record(record, catalog, Audience.public, get_protector())


def _filer(db: Session, viewer: Principal, request: Request) -> tuple[Principal, dict[str, str]]:
    """Who files from the portal: the signed-in subject itself (its name filled in), or
    the anonymous portal."""
    if viewer.kind == "subject" and viewer.subject_id is not None:
        subject = db.get(Subject, viewer.subject_id)
        return viewer, {
            "filer_name": subject.name if subject else "",
            "applicant": subject.name if subject else "",
        }
    return Principal("portal", request.client.host if request.client else None), {}


def _record_form(
    request: Request,
    template: str,
    record: dict[str, Any] | None,
    status: int = 200,
    token: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A form about one record, carrying a CSRF token (a new one unless re-shown)."""
    if record is None:
        message = "该信用记录不存在、已更新或不在公示期内"
        return render(request, "message.html", status=404, message=message)
    token = token or csrf.token_for(request)
    response = render(request, template, status=status, record=record, token=token, **context)
    csrf.remember(response, token)
    return response


@router.get("/objections/new", response_class=HTMLResponse)
def objection_form(
    request: Request,
    record_id: Id,
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
    caller: Principal = Depends(get_caller),
) -> HTMLResponse:
    _, values = _filer(db, caller, request)
    return _record_form(
        request,
        "objection_form.html",
        _shown_record(db, catalog, record_id, caller),
        grounds=objections.GROUNDS,
        error=None,
        values=values,
    )


@router.post("/objections", response_class=HTMLResponse)
def objection_submit(
    request: Request,
    record_id: Annotated[Id, Form()],
    filer_name: str = Form(""),
    filer_kind: str = Form("public"),
    contact: str = Form(""),
    grounds: str = Form(""),
    description: str = Form(""),
    csrf_token: str = Form(""),
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
    caller: Principal = Depends(get_caller),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    kind = "subject" if filer_kind == "subject" else "public"
    actor, _ = _filer(db, caller, request)
    try:
        created = objections.file_objection(
            db,
            actor,
            record_id,
            kind,
            filer_name,
            grounds,
            description,
            contact or None,
            today(),
        )
    except (objections.ObjectionError, TransitionError) as exc:
        db.rollback()
        values = {
            "filer_name": filer_name,
            "contact": contact,
            "grounds": grounds,
            "description": description,
        }
        return _record_form(
            request,
            "objection_form.html",
            _shown_record(db, catalog, record_id, caller),
            status=422,
            token=csrf_token,
            grounds=objections.GROUNDS,
            error=str(exc),
            values=values,
        )
    db.commit()
    return render(request, "objection_done.html", code=created.tracking_code)


@router.get("/track", response_class=HTMLResponse)
def track(request: Request, code: str = "", db: Session = Depends(get_db)) -> HTMLResponse:
    found = objections.by_tracking_code(db, code) if code.strip() else None
    view = _repair_view(db, code) if found is None and code.strip() else None
    if found is not None:
        open_ = found.state in objections.OPEN_STATES and found.due_date
        view = {
            "code": found.tracking_code,
            "state": machines()["objection"].label_of(found.state),
            "submitted": found.submitted_at.date().isoformat(),
            "deadline": describe(found.due_date, today()) if open_ and found.due_date else None,
            "reason": found.decision_reason,
        }
    return render(request, "track.html", code=code, found=view)


@router.get("/repairs/new", response_class=HTMLResponse)
def repair_form(
    request: Request,
    record_id: Id,
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
    caller: Principal = Depends(get_caller),
) -> HTMLResponse:
    _, values = _filer(db, caller, request)
    return _record_form(
        request,
        "repair_form.html",
        _shown_record(db, catalog, record_id, caller),
        error=None,
        values=values,
        conditions=_repair_conditions(db, record_id, False, ""),
    )


def _repair_conditions(
    db: Session, record_id: int, attested: bool, commitment_code: str
) -> list[repair.Condition]:
    """The repair conditions of the record as they stand, shown before anything is filed
    (the duty attestation is the applicant's own, made in the form)."""
    record = db.get(Record, record_id)
    if record is None:
        return []
    conditions = repair.eligibility(db, record, attested, commitment_code or None, today())
    return [c for c in conditions if attested or c.name != "obligations"]


@router.post("/repairs", response_class=HTMLResponse)
def repair_submit(
    request: Request,
    record_id: Annotated[Id, Form()],
    applicant: str = Form(""),
    contact: str = Form(""),
    commitment_code: str = Form(""),
    obligations: str = Form(""),
    csrf_token: str = Form(""),
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
    caller: Principal = Depends(get_caller),
) -> HTMLResponse:
    csrf.verify(request, csrf_token)
    actor, _ = _filer(db, caller, request)
    conditions = _repair_conditions(db, record_id, obligations == "yes", commitment_code.strip())
    unmet = [c.explanation for c in conditions if not c.met]
    try:
        if unmet:  # the system knows it would fail: no tracking code for it
            raise repair.RepairError("暂不符合信用修复条件：" + "；".join(unmet))
        created = repair.apply_for_repair(
            db,
            actor,
            record_id,
            applicant.strip(),
            obligations == "yes",
            commitment_code.strip() or None,
            contact or None,
            today(),
        )
    except (repair.RepairError, TransitionError) as exc:
        db.rollback()
        return _record_form(
            request,
            "repair_form.html",
            _shown_record(db, catalog, record_id, caller),
            status=422,
            token=csrf_token,
            error=str(exc),
            values={"applicant": applicant},
            conditions=conditions,
        )
    db.commit()
    return render(request, "repair_done.html", application=created)


@router.get("/commitments", response_class=HTMLResponse)
def commitments_page(
    request: Request, db: Session = Depends(get_db), catalog: Catalog = Depends(catalog_dep)
) -> HTMLResponse:
    items = commitments.public_commitments(db, catalog, today(), limit=100)
    return render(request, "commitments.html", items=items)


def _repair_view(db: Session, code: str) -> dict[str, object] | None:
    application = db.execute(
        select(RepairApplication).where(RepairApplication.tracking_code == code.strip().upper())
    ).scalar_one_or_none()
    if application is None:
        return None
    open_ = application.state in ("submitted", "accepted") and application.due_date
    return {
        "code": application.tracking_code,
        "state": machines()["repair"].label_of(application.state),
        "submitted": application.submitted_at.date().isoformat(),
        "deadline": describe(application.due_date, today())
        if open_ and application.due_date
        else None,
        "reason": application.decision_reason,
    }


@router.get("/news", response_class=HTMLResponse)
def news_list(
    request: Request, kind: str | None = None, db: Session = Depends(get_db)
) -> HTMLResponse:
    chosen = kind if kind in news.KINDS else None
    return render(
        request,
        "news_list.html",
        articles=news.published(db, chosen),
        kinds=news.KINDS,
        kind=chosen,
    )


@router.get("/news/{article_id}", response_class=HTMLResponse)
def news_article(request: Request, article_id: Id, db: Session = Depends(get_db)) -> HTMLResponse:
    article = db.get(Article, article_id)
    if article is None or article.published_at is None:
        return render(request, "message.html", status=404, message="文章不存在或未发布")
    return render(
        request,
        "news_article.html",
        article=article,
        paragraphs=news.paragraphs(article),
        kinds=news.KINDS,
    )
