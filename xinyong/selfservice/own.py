"""What a signed-in subject sees of itself: all its records (public or not), its grades with
their explanation, who read its records and why (the audit log), its authorisations and loan
applications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, Consumer, Department, User
from xinyong.catalog.registry import Catalog
from xinyong.evaluation.registry import models_for
from xinyong.evaluation.views import EvaluationNotFound, subject_evaluation
from xinyong.objections.service import disputed_keys
from xinyong.permissions import Principal, authorize
from xinyong.privacy.ids import get_protector
from xinyong.records.models import Record
from xinyong.records.public import is_public
from xinyong.records.views import Audience, present_record
from xinyong.repair.service import REPAIRABLE_ITEMS
from xinyong.subjects.access import reads_of
from xinyong.subjects.models import Subject
from xinyong.subjects.service import NATURAL_PERSON, subject_ref
from xinyong.subjects.views import KIND_LABELS, shown_code

BEIJING = timedelta(hours=8)


@dataclass(frozen=True)
class ShownRead:
    at: datetime  # Beijing time
    reader: str  # who, in words: the bank, the department and its staff member
    kind: str  # 银行 / 政府部门 / ...
    how: str
    purpose: str | None


def own_subject(session: Session, viewer: Principal) -> Subject:
    authorize(viewer, "self.read")
    assert viewer.subject_id is not None
    subject = session.get(Subject, viewer.subject_id)
    assert subject is not None
    return subject


def own_records(
    session: Session, subject: Subject, catalog: Catalog, today: date
) -> list[dict[str, Any]]:
    """Every current record of the subject, public or not (IDs masked), each marked public,
    disputed, repairable."""
    rows = session.execute(
        select(Record)
        .where(Record.subject_id == subject.id, Record.is_current.is_(True))
        .order_by(Record.decision_date.desc().nulls_last(), Record.id.desc())
    ).scalars()
    disputed = disputed_keys(session, subject.id)
    protector = get_protector()
    shown = []
    for record in rows:
        view = present_record(
            record, catalog, Audience.public, protector, record.record_key in disputed
        )
        view["public"] = is_public(record, catalog, today)
        view["repairable"] = record.item in REPAIRABLE_ITEMS and record.status == "active"
        shown.append(view)
    return shown


def own_grades(session: Session, viewer: Principal, subject: Subject) -> list[dict[str, Any]]:
    """The subject's grade under every model that applies to it, with the explanation."""
    if subject.kind == NATURAL_PERSON or not subject.uscc:
        return []
    grades = []
    for model in models_for(subject.kind):
        try:
            grades.append(subject_evaluation(session, viewer, subject.uscc, model.code))
        except EvaluationNotFound:
            continue
    return grades


def reads_of_own(session: Session, subject: Subject) -> list[ShownRead]:
    """Who read the subject's records, when (Beijing time) and why, the reader in words."""
    names = _ReaderNames(session)
    return [
        ShownRead(r.at + BEIJING, *names.of(r.reader), r.how, r.purpose)
        for r in reads_of(session, subject)
    ]


class _ReaderNames:
    """``user:NAME`` and ``apikey:PREFIX`` as the organisation (and person) behind them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[str, tuple[str, str]] = {}

    def of(self, actor: str) -> tuple[str, str]:
        if actor not in self.known:
            self.known[actor] = self._look_up(actor)
        return self.known[actor]

    def _look_up(self, actor: str) -> tuple[str, str]:
        kind, _, name = actor.partition(":")
        if kind == "user":
            user = self.session.execute(
                select(User).where(User.username == name)
            ).scalar_one_or_none()
            if user is None:
                return actor, "工作人员"
            department = (
                self.session.get(Department, user.department_id) if user.department_id else None
            )
            where = department.name if department else "信用办"
            return f"{where} {user.display_name}", "政府部门工作人员"
        if kind == "apikey":
            key = (
                self.session.execute(select(ApiKey).where(ApiKey.prefix == name)).scalars().first()
            )
            if key is None:
                return actor, "接口调用"
            if key.consumer_id:
                consumer = self.session.get(Consumer, key.consumer_id)
                if consumer is not None:
                    from xinyong.accounts.models import CONSUMER_KINDS

                    return consumer.name, CONSUMER_KINDS.get(consumer.kind, consumer.kind)
            department = self.session.get(Department, key.department_id)
            return (department.name if department else actor), "政府部门系统"
        return actor, "其他"


def own_identity(subject: Subject) -> dict[str, Any]:
    return {
        "name": subject.name,
        "code": shown_code(subject, Audience.public),
        "ref": subject_ref(subject),
        "kind": subject.kind,
        "kind_label": KIND_LABELS.get(subject.kind, subject.kind),
        "legal_representative": subject.legal_representative,
        "person": subject.kind == NATURAL_PERSON,
    }
