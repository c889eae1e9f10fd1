"""List recognition: proposed -> subject notified (reasons, basis, rights, statement period) ->
decided (written decision number) -> published -> removed (expiry, repair, objection, court).
The decision creates the list record; reporting upward is due within 10 working days."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import get_catalog
from xinyong.clock import utcnow
from xinyong.evaluation.service import regrade
from xinyong.lists.models import ListRecognition
from xinyong.lists.service import list_type
from xinyong.objections.service import current_record
from xinyong.permissions import authorize
from xinyong.records.store import save_record
from xinyong.subjects.models import Subject
from xinyong.workflow import move
from xinyong.workflow.deadlines import due_date

REMOVAL_REASONS = {
    "expiry": "有效期届满",
    "repair": "信用修复",
    "objection": "异议更正",
    "court": "司法裁判",
    "other": "其他",
}
RECOGNISABLE = ("black_list", "red_list")
PREFIX = {"black_list": "HM", "red_list": "HB"}


class RecognitionError(ValueError):
    """A recognition request that cannot be served; the message is in Chinese."""


def propose(
    session: Session,
    actor: Actor,
    code: str,
    subtype: str,
    subject: Subject,
    department: Department,
    reasons: str,
    basis: str,
) -> ListRecognition:
    authorize(actor, "list.recognise")
    if code not in RECOGNISABLE:
        raise RecognitionError(f"名单类型“{code}”不由本平台认定，可选：{'、'.join(RECOGNISABLE)}")
    list_type(code)
    if not basis.strip():
        raise RecognitionError("列入名单必须有法律、法规或党中央、国务院政策文件依据")
    entry = ListRecognition(
        list_type=code,
        subtype=subtype,
        subject_id=subject.id,
        department_id=department.id,
        reasons=reasons,
        basis=basis,
        state="proposed",
    )
    session.add(entry)
    session.flush()
    move(
        session,
        "list_recognition",
        entry.id,
        None,
        "proposed",
        actor,
        detail={"list_type": code, "subject_id": subject.id},
    )
    return entry


def notice_text(entry: ListRecognition, subject: Subject) -> str:
    kind = list_type(entry.list_type)
    until = entry.statement_until.isoformat() if entry.statement_until else ""
    return (
        f"拟列入{kind.name}告知书\n\n{subject.name}：\n"
        f"    经核查，你（单位）存在以下情形：{entry.reasons}。依据{entry.basis}，"
        f"本机关拟将你（单位）列入{kind.name}。\n"
        f"    你（单位）有权在{until}前提出陈述和申辩，逾期视为放弃。"
        f"列入后移出条件：{kind.removal_conditions}。\n"
    )


def notify(session: Session, entry: ListRecognition, actor: Actor, today: date) -> str:
    """Tell the subject; returns the notice text. The statement period starts now."""
    authorize(actor, "list.recognise")
    entry.state = move(session, "list_recognition", entry.id, entry.state, "notified", actor)
    entry.statement_until = due_date("statement_period", today)
    subject = session.get(Subject, entry.subject_id)
    assert subject is not None
    return notice_text(entry, subject)


def decide(
    session: Session,
    entry: ListRecognition,
    actor: Actor,
    decision_number: str,
    valid_until: date,
    today: date,
) -> ListRecognition:
    authorize(actor, "list.recognise")
    if not decision_number.strip():
        raise RecognitionError("列入名单须有书面决定文书号")
    if entry.statement_until and today <= entry.statement_until:
        raise RecognitionError(
            f"陈述申辩期至{entry.statement_until.isoformat()}，期满后方可作出决定"
        )
    entry.state = move(
        session, "list_recognition", entry.id, entry.state, "decided", actor, decision_number
    )
    entry.decision_number = decision_number
    entry.decided_on = today
    entry.valid_until = valid_until
    entry.report_due = due_date("report_list_recognition", today)
    entry.record_key = _create_record(session, entry).record_key
    return entry


def _create_record(session: Session, entry: ListRecognition):  # type: ignore[no-untyped-def]
    subject = session.get(Subject, entry.subject_id)
    department = session.get(Department, entry.department_id)
    assert subject is not None and department is not None
    p = PREFIX[entry.list_type]
    person = subject.kind == "natural_person"
    values = {
        f"{p}_MC": subject.name,
        f"{p}_LB": "自然人"
        if person
        else ("个体工商户" if subject.kind == "individual_business" else "法人及非法人组织"),
        f"{p}_SHXYM": subject.uscc,
        f"{p}_MDLX": entry.subtype,
        f"{p}_RDWH": entry.decision_number,
        f"{p}_RDYJ": entry.basis,
        f"{p}_RDJG": department.name,
        f"{p}_RDJGDM": department.uscc,
        f"{p}_RDRQ": entry.decided_on.isoformat() if entry.decided_on else None,
        f"{p}_YXQZ": entry.valid_until.isoformat() if entry.valid_until else None,
        f"{p}_SJLY": department.name,
        f"{p}_SJLYDM": department.uscc,
    }
    if entry.list_type == "black_list":
        values["HM_RDYY"] = entry.reasons
    if person:
        from xinyong.privacy.ids import get_protector

        values[f"{p}_ZJHM"] = get_protector().decrypt(subject.person_id_enc or "")
    item = get_catalog().item(entry.list_type)
    return save_record(session, item, subject, values, department_id=department.id).record


def publish(session: Session, entry: ListRecognition, actor: Actor) -> ListRecognition:
    authorize(actor, "list.recognise")
    entry.state = move(session, "list_recognition", entry.id, entry.state, "published", actor)
    return entry


def mark_reported(session: Session, entry: ListRecognition, actor: Actor) -> ListRecognition:
    authorize(actor, "list.recognise")
    if entry.decided_on is None:
        raise RecognitionError("尚未作出列入决定，无需报送")
    entry.reported_at = utcnow()
    record_event(session, actor, "list_recognition.reported", "list_recognition", entry.id)
    return entry


def remove(
    session: Session, entry: ListRecognition, actor: Actor, reason: str, note: str
) -> ListRecognition:
    authorize(actor, "list.recognise")
    if reason not in REMOVAL_REASONS:
        raise RecognitionError(f"移出原因“{reason}”无效，可选：{'、'.join(REMOVAL_REASONS)}")
    entry.state = move(
        session,
        "list_recognition",
        entry.id,
        entry.state,
        "removed",
        actor,
        f"{REMOVAL_REASONS[reason]}：{note}",
    )
    entry.removed_reason = f"{REMOVAL_REASONS[reason]}：{note}"
    record = current_record(session, entry.record_key) if entry.record_key else None
    if record is not None:
        record.status = "removed"
        regrade(session, record.subject_id, f"移出名单（{entry.removed_reason}）", item=record.item)
    return entry


def unreported(session: Session, today: date) -> list[ListRecognition]:
    """Decisions not yet reported upward whose 10-working-day deadline has passed."""
    return list(
        session.execute(
            select(ListRecognition).where(
                ListRecognition.reported_at.is_(None), ListRecognition.report_due < today
            )
        ).scalars()
    )
