"""Objections: filed by the public, the subject or staff; accepted objections mark the record
as disputed in every public and API view until they are decided."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.clock import utcnow
from xinyong.evaluation.service import regrade
from xinyong.objections.models import Objection
from xinyong.objections.targets import GRADE_GROUNDS, is_grade_objection
from xinyong.permissions import authorize, may, owns_subject
from xinyong.records.models import Record
from xinyong.records.public import is_public
from xinyong.workflow import TransitionError, move
from xinyong.workflow.codes import tracking_code
from xinyong.workflow.deadlines import due_date

GROUNDS = {
    "wrong_or_missing": "信息错误或遗漏",
    "past_period": "超过公示期仍在公示",
    "wrongly_listed": "不符合条件被列入名单或应移出未移出",
    "other": "其他违法违规情形",
}
FILERS = {"public": "社会公众", "subject": "信用主体", "staff": "工作人员"}
DISPUTED_STATES = ("accepted", "verifying")
OPEN_STATES = ("submitted", "accepted", "verifying")
OUTCOMES = ("corrected", "confirmed", "undetermined")


def grounds_label(code: str) -> str:
    """The Chinese label of a record's or a grade's objection grounds."""
    return GROUNDS.get(code) or GRADE_GROUNDS.get(code, code)


class ObjectionError(ValueError):
    """An objection request that cannot be served; the message is in Chinese."""


def visible_to(actor: Actor, record: Record, today: date) -> bool:
    """Whether ``actor`` may name ``record``: staff (the sharing view) any current record; the
    subject signed in to its own pages any of its own records; anyone else only a record the
    public may see today, so that a record that is not public does not exist for them, in a
    form or in an answer."""
    return (
        may(actor, "subject.read_shared")
        or owns_subject(actor, record.subject_id)
        or is_public(record, get_catalog(), today)
    )


def file_objection(
    session: Session,
    actor: Actor,
    record_id: int,
    filer_kind: str,
    filer_name: str,
    grounds: str,
    description: str,
    contact: str | None,
    today: date,
) -> Objection:
    record = session.get(Record, record_id)
    if record is None or not record.is_current or not visible_to(actor, record, today):
        raise ObjectionError(f"信用记录 {record_id} 不存在或已被更新，请对最新记录提出异议")
    if grounds not in GROUNDS:
        raise ObjectionError(f"异议理由“{grounds}”无效，可选：{'、'.join(GROUNDS)}")
    if filer_kind not in FILERS:
        raise ObjectionError(f"提出人类别“{filer_kind}”无效，可选：{'、'.join(FILERS)}")
    if not description.strip() or not filer_name.strip():
        raise ObjectionError("请填写提出人姓名和异议说明")
    objection = Objection(
        tracking_code=tracking_code("YY", today),
        record_key=record.record_key,
        record_id=record.id,
        subject_id=record.subject_id,
        filer_kind=filer_kind,
        filer_name=filer_name.strip(),
        contact=contact,
        grounds=grounds,
        description=description.strip(),
        state="submitted",
    )
    session.add(objection)
    session.flush()
    move(
        session,
        "objection",
        objection.id,
        None,
        "submitted",
        actor,
        detail={"record_id": record_id, "grounds": grounds},
    )
    return objection


def accept(session: Session, objection: Objection, actor: Actor, today: date) -> Objection:
    """Accept after the formal check: the record is marked disputed at once."""
    authorize(actor, "objection.decide")
    objection.state = move(session, "objection", objection.id, objection.state, "accepted", actor)
    objection.accepted_at = utcnow()
    objection.due_date = due_date("decide_objection", today)
    return objection


def reject(session: Session, objection: Objection, actor: Actor, reason: str) -> Objection:
    authorize(actor, "objection.decide")
    _need_reason(reason)
    objection.state = move(
        session, "objection", objection.id, objection.state, "rejected", actor, reason
    )
    objection.decision_reason = reason
    objection.decided_at = utcnow()
    return objection


def forward(session: Session, objection: Objection, actor: Actor, reason: str) -> Objection:
    """Send to the source department for verification."""
    authorize(actor, "objection.decide")
    objection.state = move(
        session, "objection", objection.id, objection.state, "verifying", actor, reason
    )
    return objection


def decide(
    session: Session,
    objection: Objection,
    actor: Actor,
    outcome: str,
    reason: str,
    stop_publication: bool = False,
) -> Objection:
    """Decide: corrected (optionally stopping publication), confirmed, or undetermined."""
    authorize(actor, "objection.decide")
    if outcome not in OUTCOMES:
        raise ObjectionError(f"处理结果“{outcome}”无效，可选：{'、'.join(OUTCOMES)}")
    _need_reason(reason)
    if stop_publication and outcome != "corrected":
        raise TransitionError("只有“已更正”的异议才能停止公示")
    if stop_publication and is_grade_objection(objection):
        raise TransitionError("对评价等级的异议不涉及停止公示：更正后将重新评价")
    objection.state = move(
        session,
        "objection",
        objection.id,
        objection.state,
        outcome,
        actor,
        reason,
        {"stop_publication": stop_publication},
    )
    objection.decision_reason = reason
    objection.decided_at = utcnow()
    if outcome == "corrected" and is_grade_objection(objection):
        cause = f"等级异议更正（{objection.tracking_code}，指标 {objection.indicator}）"
        regrade(session, objection.subject_id, cause)
    if stop_publication:
        record = current_record(session, objection.record_key)
        if record is not None:
            record.status = "withdrawn"
            cause = f"异议更正、停止公示（{objection.tracking_code}）"
            regrade(session, record.subject_id, cause, item=record.item)
    return objection


def close(session: Session, objection: Objection, actor: Actor) -> Objection:
    authorize(actor, "objection.decide")
    objection.state = move(session, "objection", objection.id, objection.state, "closed", actor)
    return objection


def _need_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ObjectionError("请填写理由")


def current_record(session: Session, record_key: str) -> Record | None:
    return session.execute(
        select(Record).where(Record.record_key == record_key, Record.is_current.is_(True))
    ).scalar_one_or_none()


def disputed_keys(session: Session, subject_id: int | None = None) -> set[str]:
    """Record keys that currently carry the disputed mark."""
    query = select(Objection.record_key).where(Objection.state.in_(DISPUTED_STATES))
    if subject_id is not None:
        query = query.where(Objection.subject_id == subject_id)
    return set(session.execute(query).scalars())


def by_tracking_code(session: Session, code: str) -> Objection | None:
    return session.execute(
        select(Objection).where(Objection.tracking_code == code.strip().upper())
    ).scalar_one_or_none()


def queue(session: Session) -> list[Objection]:
    return list(
        session.execute(
            select(Objection)
            .where(Objection.state.in_(OPEN_STATES))
            .order_by(Objection.due_date.nulls_first(), Objection.id)
        ).scalars()
    )
