"""The portal's search: results a page at a time, filtered by subject kind and district, each
with its district and address; a code whose check digit is wrong is told so."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.identifiers.check import check_uscc_value, guess_kind
from xinyong.identifiers.normalize import normalize_code
from xinyong.identifiers.regions import division_name
from xinyong.permissions import Audience
from xinyong.subjects.models import Subject
from xinyong.subjects.service import NATURAL_PERSON, SubjectError, search_subjects
from xinyong.subjects.views import KIND_LABELS, subject_summary

PER_PAGE = 20
ORGANISATION_KINDS = {k: v for k, v in KIND_LABELS.items() if k != NATURAL_PERSON}


def code_hint(query: str) -> list[str]:
    """Why ``query``, when it looks like a unified social credit code, is not a valid one
    (empty when it is not code-like or is valid). A resident ID is never described here."""
    value = normalize_code(query).value
    if len(value) != 18 or not value.isalnum() or guess_kind(value) != "uscc":
        return []
    return check_uscc_value(query).errors


def districts(db: Session) -> dict[str, str]:
    """The districts organisations are registered in, code -> name (known divisions only)."""
    codes = db.execute(
        select(Subject.region)
        .where(Subject.kind != NATURAL_PERSON, Subject.region.is_not(None))
        .distinct()
        .limit(500)
    ).scalars()
    named = {code: division_name(code) for code in codes if code}
    return {code: name for code, name in sorted(named.items()) if name}


def search_page(db: Session, q: str, kind: str, region: str, page: int) -> dict[str, Any]:
    """What the search page shows for the query and filters."""
    kind = kind if kind in ORGANISATION_KINDS else ""
    shown: dict[str, Any] = {
        "q": q,
        "kind": kind,
        "region": region,
        "kinds": ORGANISATION_KINDS,
        "districts": districts(db),
        "results": [],
        "total": 0,
        "page": page,
        "pages": 1,
        "error": None,
        "hint": [],
        "query": urlencode({"q": q, "kind": kind, "region": region}),
    }
    if not q.strip():
        return shown
    try:
        subjects, total = search_subjects(
            db,
            q,
            include_persons=False,
            limit=PER_PAGE,
            offset=(page - 1) * PER_PAGE,
            kind=kind or None,
            region=region or None,
        )
    except SubjectError as exc:
        shown["error"] = str(exc)
        return shown
    results = []
    for subject in subjects:
        summary = subject_summary(subject, Audience.public)
        summary.update(
            district=division_name(subject.region) if subject.region else None,
            address=subject.address,
        )
        results.append(summary)
    shown.update(results=results, total=total, pages=max(1, -(-total // PER_PAGE)))
    if not total:
        shown["hint"] = code_hint(q)
    return shown
