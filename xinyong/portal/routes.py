"""Portal pages: home with one search box, search results, the subject's credit page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from xinyong.api.deps import catalog_dep, get_db
from xinyong.api.params import Page
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.evaluation.views import public_grades
from xinyong.graph.risk import related_risks, with_company_name
from xinyong.graph.service import actual_controller
from xinyong.objections.grades import disputed_models
from xinyong.permissions import Principal
from xinyong.portal import csrf
from xinyong.portal.credit import credit_status, sections
from xinyong.portal.search import search_page
from xinyong.settings import get_settings
from xinyong.subjects.access import SubjectNotFound, subject_view
from xinyong.subjects.service import find_subject

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(HERE / "static"))


def render(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
    context.setdefault("city", get_settings().city_name)
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "default-src 'self'"
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    q: str = "",
    kind: str = "",
    region: str = "",
    page: Page = 1,
    db: Session = Depends(get_db),
) -> HTMLResponse:
    return render(request, "search.html", **search_page(db, q, kind, region, page))


@router.get("/subjects/{code}", response_class=HTMLResponse)
def subject_page(
    request: Request,
    code: str,
    item: str | None = None,
    page: Page = 1,
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
) -> HTMLResponse:
    # The portal is the public view, whoever is signed in: an unknown code and a person with
    # no public record answer alike.
    try:
        detail = subject_view(db, Principal.anonymous(), code, catalog, today())
    except SubjectNotFound:
        return render(request, "not_found.html", status=404, code=code)
    names = {code: item.name for code, item in catalog.items.items()}
    control = actual_controller(db, detail["ref"], catalog, today())
    organisation = detail["kind"] != "natural_person"
    grades = shown_grades(db, detail["code"]) if organisation else []
    related = related_risks(db, [detail["code"]], today()) if organisation else {}
    token = csrf.token_for(request)
    response = render(
        request,
        "subject.html",
        s=detail,
        item_names=names,
        control=control,
        grades=grades,
        token=token,
        verdict=credit_status(detail, grades),
        sections=sections(detail, catalog, item, page),
        related=with_company_name(related.get(detail["code"], []), detail["name"]),
    )
    csrf.remember(response, token)
    return response


def shown_grades(db: Session, code: str) -> list[dict[str, object]]:
    """The public grades of the organisation ``code``, each marked when disputed."""
    subject = find_subject(db, code)
    if subject is None:
        return []
    disputed = disputed_models(db, subject.id)
    return [g | {"disputed": g["model"] in disputed} for g in public_grades(db, subject)]
