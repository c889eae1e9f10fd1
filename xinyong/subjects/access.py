"""Showing subjects to a principal: natural persons only with a purpose, every reveal audited.

Government users see a natural person's ID number and records only after stating a purpose;
each person revealed (by search or by lookup) writes an audit entry naming the reader, the
purpose and the person. Without a purpose they get the masked ID and no records. Anonymous
callers never learn whether a resident ID exists: a person with no public record answers as
an unknown code does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Event, append_events, record_event
from xinyong.audit.models import AuditEntry
from xinyong.catalog.registry import Catalog
from xinyong.permissions import Audience, PermissionDenied, Principal, authorize, is_market, may
from xinyong.subjects.models import Subject
from xinyong.subjects.service import NATURAL_PERSON, find_subject, names_person, subject_ref
from xinyong.subjects.views import subject_detail, subject_summary

MARKET_PERSON = "金融机构和信用服务机构须经本人授权方可查看自然人的身份与信用记录（信易贷授权查询）"
PURPOSE_REQUIRED = "查看自然人的身份证号码和信用记录须说明用途（purpose 参数或 X-Purpose 请求头）"


class SubjectNotFound(LookupError):
    """No subject the caller may know of under this code; the message is in Chinese."""


def _not_found(code: str) -> SubjectNotFound:
    return SubjectNotFound(f"未找到代码为“{code}”的主体")


def finds_persons(viewer: Principal) -> bool:
    """Whether a search by ``viewer`` may return natural persons: government staff only."""
    return viewer.is_staff and not is_market(viewer)


def found_subjects(
    session: Session,
    viewer: Principal,
    subjects: list[Subject],
    purpose: str | None,
    query: str,
) -> list[dict[str, Any]]:
    """Search results for ``viewer``: persons' IDs in full only with a purpose (audited)."""
    reveal = bool(purpose) and may(viewer, "person.read")
    persons = [s for s in subjects if s.kind == NATURAL_PERSON]
    if reveal and persons:
        append_events(
            session,
            [
                Event(viewer, "person.search", "subject", subject_ref(s), purpose, {"q": query})
                for s in persons
            ],
        )
    shown = []
    for subject in subjects:
        full = viewer.is_staff and (subject.kind != NATURAL_PERSON or reveal)
        shown.append(subject_summary(subject, Audience.staff if full else Audience.public))
    return shown


def subject_view(
    session: Session,
    viewer: Principal,
    code: str,
    catalog: Catalog,
    today: date,
    purpose: str | None = None,
) -> dict[str, Any]:
    """One subject as ``viewer`` may see it; raises ``SubjectNotFound``. A bank or credit
    agency is refused any natural person's code before it is looked up (whether the person
    exists is not told either)."""
    if is_market(viewer) and names_person(code):
        raise PermissionDenied(MARKET_PERSON)
    subject = find_subject(session, code)
    if subject is None:
        raise _not_found(code)
    if subject.kind != NATURAL_PERSON:
        return subject_detail(session, subject, catalog, viewer.audience, today, viewer)
    if not viewer.is_staff:
        shown = subject_detail(session, subject, catalog, Audience.public, today)
        if not shown["records"]:
            raise _not_found(code)  # the same answer as for an unknown ID
        return shown
    if is_market(viewer):
        raise PermissionDenied(MARKET_PERSON)
    if not purpose:
        masked = subject_summary(subject, Audience.public)
        masked.update(counts={}, records=[], purpose_required=PURPOSE_REQUIRED)
        return masked
    authorize(viewer, "person.read")
    record_event(session, viewer, "person.read", "subject", subject_ref(subject), purpose=purpose)
    return subject_detail(session, subject, catalog, Audience.staff, today, viewer)


PERSON_READS = {"person.read": "查看", "person.search": "检索"}
# Every audited read of one subject, as its own page lists them.
SUBJECT_READS = PERSON_READS | {"authorised.read": "经授权查询", "lending.check": "贷前双查询"}


@dataclass(frozen=True)
class PersonRead:
    """One read of a subject (a government read of a person, a bank's authorised read or
    双查询), as the subject is shown it."""

    at: datetime
    reader: str  # ``user:NAME`` or ``apikey:PREFIX``
    how: str  # 查看 / 检索
    purpose: str | None


def reads_of(session: Session, subject: Subject) -> list[PersonRead]:
    """Who read this person's identity or records, when and why (newest first): the audit
    query behind a subject's own "who read my records" page."""
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.purpose)
        .where(
            AuditEntry.target_type == "subject",
            AuditEntry.target_id == str(subject_ref(subject)),
            AuditEntry.action.in_(list(SUBJECT_READS)),
        )
        .order_by(AuditEntry.seq.desc())
    ).all()
    return [
        PersonRead(at, actor, SUBJECT_READS[action], purpose) for at, actor, action, purpose in rows
    ]
