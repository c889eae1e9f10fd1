"""Credit repair: a subject applies to repair a penalty or a list entry; eligibility explains
itself condition by condition; approval stops publication, sharing and measures while the
record keeps its history (auditors still see it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.clock import utcnow
from xinyong.evaluation.service import regrade
from xinyong.objections.service import current_record, visible_to
from xinyong.permissions import authorize
from xinyong.publicity.periods import penalty_minimum_end
from xinyong.records.models import Record
from xinyong.repair.models import RepairApplication
from xinyong.workflow import move
from xinyong.workflow.codes import tracking_code
from xinyong.workflow.deadlines import due_date

REPAIRABLE_ITEMS = ("admin_penalty", "black_list", "abnormal_operation")
REPAIR_COMMITMENT_TYPE = "信用修复型"


class RepairError(ValueError):
    """A repair request that cannot be served; the message is in Chinese."""


OPEN_STATES = ("submitted", "accepted")


@dataclass(frozen=True)
class Condition:
    name: str
    met: bool
    explanation: str


def _minimum_period(record: Record, today: date) -> Condition:
    if record.item != "admin_penalty" or record.decision_date is None:
        return Condition("minimum_period", True, "该类信息无最短公示期要求")
    earliest = penalty_minimum_end(record.decision_date, record.severity or "general")
    if today >= earliest:
        return Condition(
            "minimum_period", True, f"最短公示期已满（{earliest.isoformat()}起可申请）"
        )
    return Condition(
        "minimum_period", False, f"最短公示期未满：{earliest.isoformat()}起方可申请修复"
    )


def _repair_commitment(session: Session, record: Record, code: str | None) -> Condition:
    commitments = session.execute(
        select(Record).where(
            Record.subject_id == record.subject_id,
            Record.item == "commitment",
            Record.is_current.is_(True),
        )
    ).scalars()
    for commitment in commitments:
        fields = commitment.fields
        if fields.get("CN_LX") == REPAIR_COMMITMENT_TYPE and (
            not code or fields.get("CN_BM") == code
        ):
            return Condition(
                "commitment", True, f"已作出信用修复承诺（承诺编码 {fields.get('CN_BM')}）"
            )
    return Condition("commitment", False, "未找到该主体作出的信用修复型承诺，请先作出并报送承诺")


def eligibility(
    session: Session,
    record: Record,
    obligations_attested: bool,
    commitment_code: str | None,
    today: date,
) -> list[Condition]:
    return [
        _minimum_period(record, today),
        Condition(
            "obligations",
            obligations_attested,
            "已承诺违法行为已纠正、相关义务已履行"
            if obligations_attested
            else "须确认违法行为已纠正且罚款等义务已全部履行",
        ),
        _repair_commitment(session, record, commitment_code),
    ]


def apply_for_repair(
    session: Session,
    actor: Actor,
    record_id: int,
    applicant: str,
    obligations_attested: bool,
    commitment_code: str | None,
    contact: str | None,
    today: date,
) -> RepairApplication:
    record = session.get(Record, record_id)
    if record is None or not record.is_current or not visible_to(actor, record, today):
        raise RepairError(f"信用记录 {record_id} 不存在或已被更新")
    if record.item not in REPAIRABLE_ITEMS:
        raise RepairError(f"“{record.item}”类信息不适用信用修复")
    if record.status != "active":
        raise RepairError("该记录当前不在公示状态，无需修复")
    pending = open_application(session, record.record_key)
    if pending is not None:
        raise RepairError(
            f"该信息已有办理中的信用修复申请（受理编号 {pending.tracking_code}），"
            "请勿重复申请，可凭受理编号查询进度"
        )
    conditions = eligibility(session, record, obligations_attested, commitment_code, today)
    application = RepairApplication(
        tracking_code=tracking_code("XF", today),
        record_key=record.record_key,
        record_id=record.id,
        subject_id=record.subject_id,
        applicant=applicant,
        contact=contact,
        obligations_attested=obligations_attested,
        commitment_code=commitment_code,
        eligibility={
            "eligible": all(c.met for c in conditions),
            "conditions": [asdict(c) for c in conditions],
        },
        state="submitted",
    )
    session.add(application)
    session.flush()
    move(
        session,
        "repair",
        application.id,
        None,
        "submitted",
        actor,
        detail={"record_id": record_id, "eligible": application.eligibility["eligible"]},
    )
    return application


def accept(
    session: Session, application: RepairApplication, actor: Actor, today: date
) -> RepairApplication:
    authorize(actor, "repair.decide")
    application.state = move(
        session, "repair", application.id, application.state, "accepted", actor
    )
    application.due_date = due_date("decide_repair", today)
    return application


def approve(
    session: Session, application: RepairApplication, actor: Actor, reason: str
) -> RepairApplication:
    """Approve: publication, sharing and measures stop; the record and its history stay."""
    authorize(actor, "repair.decide")
    if not application.eligibility.get("eligible"):
        unmet = [
            c["explanation"] for c in application.eligibility.get("conditions", []) if not c["met"]
        ]
        raise RepairError("不符合修复条件，不能准予修复：" + "；".join(unmet))
    application.state = move(
        session, "repair", application.id, application.state, "approved", actor, reason
    )
    application.decided_at = utcnow()
    application.decision_reason = reason
    record = current_record(session, application.record_key)
    if record is not None:
        record.status = "repaired"
        cause = f"信用修复准予（{application.tracking_code}）"
        regrade(session, record.subject_id, cause, item=record.item)
    return application


def reject(
    session: Session, application: RepairApplication, actor: Actor, reason: str
) -> RepairApplication:
    authorize(actor, "repair.decide")
    if not reason.strip():
        raise RepairError("不予修复须说明理由")
    application.state = move(
        session, "repair", application.id, application.state, "rejected", actor, reason
    )
    application.decided_at = utcnow()
    application.decision_reason = reason
    return application


def repair_notice(record: Record, subject_name: str, city: str) -> str:
    """The repair notice delivered together with a penalty decision (两书同达)."""
    number = record.fields.get("CF_WSH", "")
    decided = record.decision_date.isoformat() if record.decision_date else ""
    earliest = (
        penalty_minimum_end(record.decision_date, record.severity or "general").isoformat()
        if record.decision_date
        else ""
    )
    return (
        f"信用修复告知书\n\n{subject_name}：\n"
        f"    本机关于{decided}作出的行政处罚决定（{number}）将依法在信用网站公示。"
        f"你（单位）在纠正违法行为、履行行政处罚决定规定的义务，并作出信用修复承诺后，"
        f"可于{earliest}起通过“信用{city}”网站或信用服务窗口申请信用修复。"
        f"修复后将停止公示、停止共享使用并解除相关惩戒措施。\n"
        f"    申请材料：信用修复申请书、履行义务的证明材料、信用修复承诺书。\n"
    )


def open_application(session: Session, record_key: str) -> RepairApplication | None:
    """The repair application of the record still being handled (submitted or accepted)."""
    return session.execute(
        select(RepairApplication)
        .where(
            RepairApplication.record_key == record_key,
            RepairApplication.state.in_(OPEN_STATES),
        )
        .limit(1)
    ).scalar_one_or_none()


def queue(session: Session) -> list[RepairApplication]:
    return list(
        session.execute(
            select(RepairApplication)
            .where(RepairApplication.state.in_(OPEN_STATES))
            .order_by(RepairApplication.due_date.nulls_first(), RepairApplication.id)
        ).scalars()
    )


def as_dict(application: RepairApplication) -> dict[str, Any]:
    return {
        "id": application.id,
        "tracking_code": application.tracking_code,
        "record_id": application.record_id,
        "state": application.state,
        "eligibility": application.eligibility,
        "due_date": application.due_date,
        "decision_reason": application.decision_reason,
    }
