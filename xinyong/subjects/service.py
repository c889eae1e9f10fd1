"""Finding and creating subjects; names keep their history."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.clock import utcnow
from xinyong.identifiers.check import check_code, guess_kind
from xinyong.identifiers.normalize import normalize_code
from xinyong.identifiers.resident_id import mask_resident_id
from xinyong.identifiers.uscc import subject_kind_of_uscc
from xinyong.privacy.ids import get_protector
from xinyong.subjects.models import Subject, SubjectName

PERSON_REF_PREFIX = "P"
REGISTRATION_NUMBER_LENGTHS = (13, 15)  # 工商注册号 before the USCC
NATURAL_PERSON = "natural_person"


class SubjectError(ValueError):
    """A subject request that cannot be served; the message is in Chinese."""


class SubjectIdentity(Protocol):
    """What identifies a subject in output: an ORM ``Subject`` or a lighter row view."""

    @property
    def kind(self) -> str: ...
    @property
    def uscc(self) -> str | None: ...
    @property
    def person_hash(self) -> str | None: ...
    @property
    def person_id_masked(self) -> str | None: ...
    @property
    def person_id_enc(self) -> str | None: ...


def person_ref(subject: SubjectIdentity) -> str:
    """Opaque public reference of a natural person (derived from the keyed hash)."""
    assert subject.person_hash is not None
    return PERSON_REF_PREFIX + subject.person_hash[:20].upper()


def subject_ref(subject: SubjectIdentity) -> str:
    return subject.uscc if subject.uscc else person_ref(subject)


def observe_name(session: Session, subject: Subject, name: str, source: str | None) -> None:
    """Remember that ``subject`` was called ``name`` (adds to the history)."""
    now = utcnow()
    seen = session.execute(
        select(SubjectName).where(SubjectName.subject_id == subject.id, SubjectName.name == name)
    ).scalar_one_or_none()
    if seen is None:
        session.add(
            SubjectName(
                subject_id=subject.id, name=name, first_seen=now, last_seen=now, source=source
            )
        )
    else:
        seen.last_seen = now


def rename_subject(session: Session, subject: Subject, name: str, source: str | None) -> None:
    """Change the current name; the old one stays in the history."""
    observe_name(session, subject, name, source)
    subject.name = name
    subject.updated_at = utcnow()


def get_or_create_organization(
    session: Session, uscc: str, name: str, source: str | None = None, **extra: object
) -> tuple[Subject, bool]:
    subject = session.execute(select(Subject).where(Subject.uscc == uscc)).scalar_one_or_none()
    if subject is not None:
        return subject, False
    subject = Subject(
        kind=subject_kind_of_uscc(uscc), uscc=uscc, name=name, region=uscc[2:8], **extra
    )
    session.add(subject)
    session.flush()
    observe_name(session, subject, name, source)
    return subject, True


def person_columns(resident_id: str) -> dict[str, str]:
    """How a natural person's ID number is stored: keyed hash, ciphertext and masked form."""
    protector = get_protector()
    return {
        "person_hash": protector.lookup_hash(resident_id),
        "person_id_enc": protector.encrypt(resident_id),
        "person_id_masked": mask_resident_id(resident_id),
    }


def get_or_create_person(
    session: Session, resident_id: str, name: str, source: str | None = None
) -> tuple[Subject, bool]:
    digest = get_protector().lookup_hash(resident_id)
    subject = session.execute(
        select(Subject).where(Subject.person_hash == digest)
    ).scalar_one_or_none()
    if subject is not None:
        return subject, False
    subject = Subject(
        kind=NATURAL_PERSON, name=name, region=resident_id[:6], **person_columns(resident_id)
    )
    session.add(subject)
    session.flush()
    observe_name(session, subject, name, source)
    return subject, True


def names_person(code: str) -> bool:
    """Whether ``code`` reads as a natural person's (a resident ID or a person reference),
    decided without looking anything up."""
    raw = normalize_code(code).value
    if raw.upper().startswith(PERSON_REF_PREFIX) and len(raw) == 21:
        return True
    return len(raw) in (15, 18) and raw[:15].isdigit() and guess_kind(raw) == "resident_id"


def find_subject(session: Session, code: str) -> Subject | None:
    """A subject by USCC, resident ID, old registration number or person reference (P...)."""
    raw = code.strip()
    if raw.upper().startswith(PERSON_REF_PREFIX) and len(raw) == 21:
        prefix = raw[1:].lower()
        return (
            session.execute(select(Subject).where(Subject.person_hash.startswith(prefix)))
            .scalars()
            .first()
        )
    if raw.isdigit() and len(raw) in REGISTRATION_NUMBER_LENGTHS:
        return (
            session.execute(select(Subject).where(Subject.registration_number == raw))
            .scalars()
            .first()
        )
    checked = check_code(raw)
    if not checked.valid:
        return None
    if checked.kind == "resident_id":
        digest = get_protector().lookup_hash(checked.normalized)
        return session.execute(
            select(Subject).where(Subject.person_hash == digest)
        ).scalar_one_or_none()
    return session.execute(
        select(Subject).where(Subject.uscc == checked.normalized)
    ).scalar_one_or_none()


def name_history(session: Session, subject: Subject) -> list[SubjectName]:
    return list(
        session.execute(
            select(SubjectName)
            .where(SubjectName.subject_id == subject.id)
            .order_by(SubjectName.first_seen)
        ).scalars()
    )


MIN_FRAGMENT = 2


def search_subjects(
    session: Session,
    query: str,
    include_persons: bool,
    limit: int = 20,
    offset: int = 0,
    kind: str | None = None,
    region: str | None = None,
) -> tuple[list[Subject], int]:
    """Subjects whose code equals ``query`` or whose name (current or former) contains it;
    only those of ``kind`` and in the district ``region`` when given."""
    text = query.strip()
    exact = find_subject(session, text)
    if exact is not None:
        if exact.kind == NATURAL_PERSON and not include_persons:
            return [], 0
        if (kind and exact.kind != kind) or (region and exact.region != region):
            return [], 0
        return ([exact], 1) if offset == 0 else ([], 1)
    if len(text) < MIN_FRAGMENT:
        raise SubjectError(f"查询词“{text}”过短：名称片段至少需要{MIN_FRAGMENT}个字")
    # Every name a subject has had, its current one included, is in subject_names: one scan
    # of that table finds them all; ordering and paging happen on the (few) matches.
    named = select(SubjectName.subject_id).where(SubjectName.name.like(f"%{text}%"))
    statement = select(Subject.id, func.length(Subject.name)).where(Subject.id.in_(named))
    if not include_persons:
        statement = statement.where(Subject.kind != NATURAL_PERSON)
    if kind:
        statement = statement.where(Subject.kind == kind)
    if region:
        statement = statement.where(Subject.region == region)
    matches = sorted(session.execute(statement).all(), key=lambda row: (row[1], row[0]))
    page = [sid for sid, _ in matches[offset : offset + limit]]
    found = {
        s.id: s for s in session.execute(select(Subject).where(Subject.id.in_(page))).scalars()
    }
    return [found[sid] for sid in page], len(matches)
