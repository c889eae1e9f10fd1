"""Raising, listing and handling warnings.

Every family's detector produces ``Draft`` warnings (rule, subject or group, the cause, the
values its reason names, the evidence); ``raise_drafts`` fans each draft out to the rule's
recipients and inserts those whose ``dedup_key`` is new (an INSERT that skips existing
keys, so two batches racing on the same cause still make one warning). Recipients:
``enterprise`` (organisations only: the subject's 信用提醒), ``department`` (the department
the evidence record comes from) and ``credit_office`` (the departments marked as the credit
office). Acknowledging a warning closes it (workflow ``warning``), recorded and audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor, record_event
from xinyong.clock import utcnow
from xinyong.db.base import Base
from xinyong.permissions import authorize
from xinyong.permissions.policy import Principal
from xinyong.subjects.models import Subject
from xinyong.warning.models import CreditWarning
from xinyong.warning.registry import FAMILIES, LEVELS, RECIPIENTS, Rule, RuleVersion
from xinyong.workflow import move

NATURAL_PERSON = "natural_person"
INSERT_CHUNK = 2000


class WarningNotFound(LookupError):
    pass


class WarningError(ValueError):
    """A request about a warning that cannot be done; the message is in Chinese."""


@dataclass
class Draft:
    rule: Rule
    cause: str  # what caused it: a record key, a grade history row, a group and month
    values: dict[str, Any]  # what the reason names
    subject_id: int | None = None
    subject_kind: str | None = None
    department_id: int | None = None  # of the evidence record
    group: tuple[str, str] | None = None  # (industry|district, code)
    evidence: dict[str, Any] = field(default_factory=dict)


def dedup_key(rule: str, subject: str, cause: str, recipient: str, department: str) -> str:
    text = "\x1f".join((rule, subject, cause, recipient, department))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def credit_offices(session: Session) -> list[int]:
    return list(
        session.execute(
            select(Department.id)
            .where(Department.is_credit_office.is_(True))
            .order_by(Department.id)
        ).scalars()
    )


def _reason(rule: Rule, values: dict[str, Any]) -> str:
    return rule.reason.format_map({k: "" if v is None else v for k, v in values.items()})


def _rows(draft: Draft, version: RuleVersion, offices: list[int], now: Any) -> list[dict[str, Any]]:
    rule = draft.rule
    targets: list[tuple[str, int | None]] = []
    for recipient in rule.recipients:
        if recipient == "enterprise":
            if draft.subject_id is not None and draft.subject_kind != NATURAL_PERSON:
                targets.append((recipient, None))
        elif recipient == "department":
            if draft.department_id is not None:
                targets.append((recipient, draft.department_id))
        else:
            chosen: list[int | None] = list(offices) or [None]
            targets.extend((recipient, office) for office in chosen)
    reason = _reason(rule, draft.values)
    subject = str(draft.subject_id) if draft.subject_id is not None else ":".join(draft.group or ())
    return [
        {
            "dedup_key": dedup_key(rule.code, subject, draft.cause, recipient, str(dept or "")),
            "rule": rule.code,
            "rule_version": version.effective_from,
            "family": rule.family,
            "level": rule.level,
            "subject_id": draft.subject_id,
            "group_kind": draft.group[0] if draft.group else None,
            "group_code": draft.group[1] if draft.group else None,
            "recipient": recipient,
            "department_id": dept,
            "reason": reason,
            "basis": rule.basis,
            "evidence": draft.evidence,
            "state": "open",
            "created_at": now,
        }
        for recipient, dept in targets
    ]


def raise_drafts(session: Session, version: RuleVersion, drafts: list[Draft]) -> int:
    """Insert the warnings of ``drafts`` not raised before; returns how many are new."""
    if not drafts:
        return 0
    offices = credit_offices(session)
    now = utcnow()
    rows = [row for d in drafts for row in _rows(d, version, offices, now)]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Base.metadata.tables["warnings"]
    before = session.execute(select(func.count()).select_from(table)).scalar_one()
    connection = session.connection()  # Core, not the ORM's bulk path: many rows, no objects
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = insert(table).on_conflict_do_nothing(index_elements=["dedup_key"])
        connection.execute(statement, rows[start : start + INSERT_CHUNK])
    after = session.execute(select(func.count()).select_from(table)).scalar_one()
    return int(after - before)


# -- reading and handling ---------------------------------------------------------------------


def _visible(actor: Principal) -> Any:
    """A department's staff see their own department's warnings; the credit office all."""
    if actor.credit_office or actor.department_id is None or not actor.authenticated:
        return True
    return CreditWarning.department_id == actor.department_id


def as_dict(w: CreditWarning, subject: Subject | None) -> dict[str, Any]:
    return {
        "id": w.id,
        "rule": w.rule,
        "family": w.family,
        "family_label": FAMILIES[w.family],
        "level": w.level,
        "subject": (
            {
                "name": subject.name,
                "code": subject.uscc or subject.person_id_masked,
                "kind": subject.kind,
            }
            if subject
            else None
        ),
        "group": {"kind": w.group_kind, "code": w.group_code} if w.group_kind else None,
        "recipient": w.recipient,
        "recipient_label": RECIPIENTS[w.recipient],
        "department_id": w.department_id,
        "reason": w.reason,
        "basis": w.basis,
        "evidence": w.evidence,
        "state": w.state,
        "created_at": w.created_at.isoformat(timespec="seconds"),
        "closed_at": w.closed_at.isoformat(timespec="seconds") if w.closed_at else None,
        "closed_by": w.closed_by,
        "note": w.note,
    }


def view(session: Session, w: CreditWarning) -> dict[str, Any]:
    subject = session.get(Subject, w.subject_id) if w.subject_id is not None else None
    return as_dict(w, subject)


def list_warnings(
    session: Session,
    actor: Principal,
    *,
    state: str | None = "open",
    level: str | None = None,
    family: str | None = None,
    subject_code: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    authorize(actor, "warning.read")
    query = (
        select(CreditWarning, Subject)
        .outerjoin(Subject, Subject.id == CreditWarning.subject_id)
        .where(_visible(actor))
    )
    if state:
        query = query.where(CreditWarning.state == state)
    if level:
        query = query.where(CreditWarning.level == level)
    if family:
        query = query.where(CreditWarning.family == family)
    if subject_code:
        query = query.where(Subject.uscc == subject_code.strip().upper())
    rank = case({level: n for n, level in enumerate(LEVELS)}, value=CreditWarning.level)
    query = query.order_by(rank, CreditWarning.id.desc()).limit(limit)
    return [as_dict(w, s) for w, s in session.execute(query).all()]


def get_warning(session: Session, actor: Principal, warning_id: int) -> CreditWarning:
    authorize(actor, "warning.read")
    found = session.get(CreditWarning, warning_id)
    if found is None or (
        actor.department_id is not None
        and not actor.credit_office
        and found.department_id != actor.department_id
    ):
        raise WarningNotFound(f"预警（编号 {warning_id}）不存在")
    return found


def acknowledge(
    session: Session, actor: Principal, warning_id: int, note: str | None = None
) -> CreditWarning:
    """The recipient acknowledges the warning: it is closed, with who and when."""
    found = get_warning(session, actor, warning_id)
    authorize(actor, "warning.handle", found.department_id)
    if note is not None and len(note) > 500:
        raise WarningError(f"处理说明（note）过长：{len(note)} 字，最多 500 字")
    move(session, "warning", found.id, found.state, "closed", actor, note or "已确认")
    session.refresh(found)
    found.closed_at = utcnow()
    found.closed_by = actor.name
    found.note = note
    return found


def counts(session: Session, actor: Principal) -> dict[str, int]:
    """Open warnings by level (for the workbench's front page)."""
    authorize(actor, "warning.read")
    rows = session.execute(
        select(CreditWarning.level, func.count())
        .where(CreditWarning.state == "open", _visible(actor))
        .group_by(CreditWarning.level)
    ).all()
    return {level: int(n) for level, n in rows}


def audit_run(session: Session, actor: Actor, what: str, day: date, detail: dict[str, Any]) -> None:
    record_event(session, actor, f"warning.{what}", "warnings", day.isoformat(), detail=detail)
