"""Government credit services: dual publicity review, objections, repair, lists.

Routers stay thin: each endpoint checks the caller, calls one service function, commits, and
answers; illegal transitions come back as 409 with the Chinese reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.api.deps import Caller, catalog_dep, get_caller, get_db
from xinyong.api.errors import ErrorOut, api_router
from xinyong.api.params import Id, Limit500, Limit1000, Offset
from xinyong.api.service_schemas import (
    BreachOut,
    CommitmentsOut,
    ListEntriesOut,
    ObjectionOut,
    ObjectionsOut,
    PublicationStateOut,
    PublicationStatisticsOut,
    RecognitionOut,
    RepairOut,
    RepairsOut,
)
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.commitments import service as commitments
from xinyong.lists import recognition
from xinyong.lists.models import ListRecognition
from xinyong.lists.service import ListError, current_entries, list_type
from xinyong.objections import service as objections
from xinyong.objections.models import Objection
from xinyong.publicity import lifecycle
from xinyong.repair import service as repair
from xinyong.repair.models import RepairApplication
from xinyong.subjects.service import find_subject
from xinyong.workflow import TransitionError
from xinyong.workflow.deadlines import describe

router = api_router("政务信用服务")
SERVICE_ERRORS = (
    TransitionError,
    objections.ObjectionError,
    repair.RepairError,
    lifecycle.PublicationError,
    recognition.RecognitionError,
    commitments.CommitmentError,
)


def _known_action(action: str, actions: dict[str, Any]) -> None:
    if action not in actions:
        raise HTTPException(
            status_code=422, detail=f"操作“{action}”无效，可选：{'、'.join(actions)}"
        )


def _run(db: Session, action: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        result = action(db, *args, **kwargs)
    except SERVICE_ERRORS as exc:
        db.rollback()
        status = 409 if isinstance(exc, TransitionError) else 422
        raise HTTPException(status_code=status, detail=str(exc)) from exc
    db.commit()
    return result


# -- lists -----------------------------------------------------------------------------------


@router.get("/lists/{code}", response_model=ListEntriesOut, summary="红黑名单当前公示名单")
def list_entries(
    code: str,
    limit: Limit1000 = 100,
    offset: Offset = 0,
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    try:
        kind = list_type(code)
        items, total = current_entries(db, catalog, code, today(), limit, offset)
    except ListError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return {
        "list": {
            "code": kind.code,
            "name": kind.name,
            "legal_basis": kind.legal_basis,
            "recognition_standard": kind.recognition_standard,
            "removal_conditions": kind.removal_conditions,
            "validity": kind.validity,
            "measures": list(kind.measures),
        },
        "items": items,
        "total": total,
    }


# -- objections ------------------------------------------------------------------------------


class ObjectionIn(BaseModel):
    record_id: Id = Field(examples=[1201])
    filer_name: str = Field(examples=["示范市鸿泰贸易有限公司"])
    filer_kind: str = Field("public", description="public（社会公众）、subject（信用主体）、staff")
    grounds: str = Field(
        examples=["wrong_or_missing"],
        description="wrong_or_missing、past_period、wrongly_listed、other",
    )
    description: str = Field(examples=["处罚决定已被撤销，但网站仍在公示"])
    contact: str | None = Field(None, examples=["0754-88888888"])


def objection_view(o: Objection) -> dict[str, Any]:
    return {
        "id": o.id,
        "tracking_code": o.tracking_code,
        "record_id": o.record_id,
        "state": o.state,
        "state_label": _label("objection", o.state),
        "grounds": objections.grounds_label(o.grounds),
        "model": o.model_code,
        "indicator": o.indicator,
        "submitted_at": o.submitted_at,
        "due_date": o.due_date,
        "deadline": describe(o.due_date, today())
        if o.due_date and o.state in objections.OPEN_STATES
        else None,
        "decision_reason": o.decision_reason,
    }


def _label(workflow: str, state: str) -> str:
    from xinyong.workflow import machines

    return machines()[workflow].label_of(state)


@router.post(
    "/objections", response_model=ObjectionOut, summary="提出信用信息异议（公众、主体或工作人员）"
)
def file_objection(
    body: ObjectionIn, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    kind = (
        body.filer_kind
        if caller.is_staff
        else ("subject" if body.filer_kind == "subject" else "public")
    )
    created = _run(
        db,
        objections.file_objection,
        caller.actor,
        body.record_id,
        kind,
        body.filer_name,
        body.grounds,
        body.description,
        body.contact,
        today(),
    )
    return objection_view(created)


@router.get(
    "/objections/track/{tracking_code}",
    response_model=ObjectionOut,
    summary="按受理编号查询异议进度",
)
def track_objection(tracking_code: str, db: Session = Depends(get_db)) -> dict[str, Any]:
    found = objections.by_tracking_code(db, tracking_code)
    if found is None:
        raise HTTPException(status_code=404, detail=f"受理编号“{tracking_code}”不存在")
    return objection_view(found)


@router.get("/objections", response_model=ObjectionsOut, summary="待处理异议（按期限排序）")
def objection_queue(
    db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    items = [objection_view(o) for o in objections.queue(db)]
    return {"items": items, "total": len(items)}


class Decision(BaseModel):
    action: str = Field(description="accept、reject、forward、decide、close")
    outcome: str | None = Field(None, description="decide 时：corrected、confirmed、undetermined")
    reason: str | None = None
    stop_publication: bool = False


def _objection(db: Session, objection_id: int) -> Objection:
    found = db.get(Objection, objection_id)
    if found is None:
        raise HTTPException(status_code=404, detail=f"异议 {objection_id} 不存在")
    return found


@router.post(
    "/objections/{objection_id}/actions",
    response_model=ObjectionOut,
    summary="处理异议：受理、不予受理、转核、决定、办结",
)
def act_on_objection(
    objection_id: Id,
    body: Decision,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    found = _objection(db, objection_id)
    reason = body.reason or ""
    actions = {
        "accept": lambda s: objections.accept(s, found, caller.actor, today()),
        "reject": lambda s: objections.reject(s, found, caller.actor, reason),
        "forward": lambda s: objections.forward(s, found, caller.actor, reason),
        "decide": lambda s: objections.decide(
            s, found, caller.actor, body.outcome or "", reason, body.stop_publication
        ),
        "close": lambda s: objections.close(s, found, caller.actor),
    }
    _known_action(body.action, actions)
    return objection_view(_run(db, actions[body.action]))


# -- repair ----------------------------------------------------------------------------------


class RepairIn(BaseModel):
    record_id: Id
    applicant: str = Field(examples=["示范市鸿泰贸易有限公司"])
    obligations_attested: bool = Field(description="违法行为已纠正、罚款等义务已履行")
    commitment_code: str | None = Field(None, description="信用修复型承诺的承诺编码")
    contact: str | None = None


def repair_view(application: RepairApplication) -> dict[str, Any]:
    shown = repair.as_dict(application)
    shown["state_label"] = _label("repair", application.state)
    if application.due_date and application.state in ("submitted", "accepted"):
        shown["deadline"] = describe(application.due_date, today())
    return shown


@router.post(
    "/repairs",
    response_model=RepairOut,
    response_model_exclude_unset=True,
    summary="申请信用修复",
)
def apply_repair(
    body: RepairIn, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    created = _run(
        db,
        repair.apply_for_repair,
        caller.actor,
        body.record_id,
        body.applicant,
        body.obligations_attested,
        body.commitment_code,
        body.contact,
        today(),
    )
    return repair_view(created)


@router.get(
    "/repairs",
    response_model=RepairsOut,
    response_model_exclude_unset=True,
    summary="待审核的修复申请",
)
def repair_queue(
    db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    items = [repair_view(a) for a in repair.queue(db)]
    return {"items": items, "total": len(items)}


@router.post(
    "/repairs/{application_id}/actions",
    response_model=RepairOut,
    response_model_exclude_unset=True,
    summary="审核修复申请：受理、准予、不予",
)
def act_on_repair(
    application_id: Id,
    body: Decision,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    found = db.get(RepairApplication, application_id)
    if found is None:
        raise HTTPException(status_code=404, detail=f"修复申请 {application_id} 不存在")
    reason = body.reason or ""
    actions = {
        "accept": lambda s: repair.accept(s, found, caller.actor, today()),
        "approve": lambda s: repair.approve(s, found, caller.actor, reason),
        "reject": lambda s: repair.reject(s, found, caller.actor, reason),
    }
    _known_action(body.action, actions)
    return repair_view(_run(db, actions[body.action]))


# -- dual publicity --------------------------------------------------------------------------


class PublicationAction(BaseModel):
    action: str = Field(description="request、approve、reject、publish、withdraw")
    reason: str | None = None
    kind: str | None = Field(None, description="withdraw 时：changed、revoked、void、other")


@router.post(
    "/publications/{record_id}/actions",
    response_model=PublicationStateOut,
    summary="双公示：申请公示、审核、公示、撤下",
)
def act_on_publication(
    record_id: Id,
    body: PublicationAction,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    reason = body.reason or ""
    actions = {
        "request": lambda s: lifecycle.request_publication(s, record_id, caller.actor),
        "approve": lambda s: lifecycle.review(s, record_id, caller.actor, True, body.reason),
        "reject": lambda s: lifecycle.review(s, record_id, caller.actor, False, reason),
        "publish": lambda s: lifecycle.publish(s, record_id, caller.actor),
        "withdraw": lambda s: lifecycle.withdraw(
            s, record_id, caller.actor, body.kind or "other", reason, today()
        )[0],
    }
    _known_action(body.action, actions)
    record = _run(db, actions[body.action])
    return {
        "record_id": record.id,
        "publication_state": record.publication_state,
        "state_label": _label("publication", record.publication_state or ""),
        "published_at": record.published_at,
        "status": record.status,
    }


@router.get(
    "/publications/statistics",
    response_model=PublicationStatisticsOut,
    summary="双公示统计：各部门按时公示率与超期清单",
)
def publication_statistics(
    db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    entries = [e.as_dict() for e in lifecycle.statistics(db, today())]
    return {"departments": entries, "total": len(entries)}


# -- list recognition ------------------------------------------------------------------------


class RecognitionIn(BaseModel):
    list_type: str = Field(examples=["black_list"])
    subtype: str = Field(examples=["重大税收违法失信主体"], description="名单具体类型")
    subject: str = Field(description="主体的统一社会信用代码或身份证号码")
    reasons: str = Field(examples=["虚开增值税专用发票，情节严重"])
    basis: str = Field(examples=["《重大税收违法失信主体信息公布管理办法》第六条"])


class RecognitionAction(BaseModel):
    action: str = Field(description="notify、decide、publish、report、remove、drop")
    decision_number: str | None = None
    valid_until: date | None = None
    reason: str | None = Field(
        None, description="remove 时：expiry、repair、objection、court、other"
    )
    note: str | None = None


def recognition_view(entry: ListRecognition, notice: str | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": entry.id,
        "list_type": entry.list_type,
        "subtype": entry.subtype,
        "state": entry.state,
        "state_label": _label("list_recognition", entry.state),
        "statement_until": entry.statement_until,
        "decision_number": entry.decision_number,
        "decided_on": entry.decided_on,
        "valid_until": entry.valid_until,
        "report_due": entry.report_due,
        "reported_at": entry.reported_at,
        "removed_reason": entry.removed_reason,
    }
    if entry.report_due and entry.reported_at is None:
        shown["report_deadline"] = describe(entry.report_due, today())
    if notice:
        shown["notice"] = notice
    return shown


@router.post(
    "/list-recognitions",
    response_model=RecognitionOut,
    response_model_exclude_unset=True,
    summary="提出列入红黑名单",
    responses={404: {"description": "主体不存在", "model": ErrorOut}},
)
def propose_recognition(
    body: RecognitionIn, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    subject = find_subject(db, body.subject)
    if subject is None:
        raise HTTPException(status_code=404, detail=f"未找到代码为“{body.subject}”的主体")
    department = db.get(Department, caller.department_id) if caller.department_id else None
    if department is None:
        raise HTTPException(status_code=422, detail="认定部门未知：请使用部门的 API 密钥或账号")
    created = _run(
        db,
        recognition.propose,
        caller.actor,
        body.list_type,
        body.subtype,
        subject,
        department,
        body.reasons,
        body.basis,
    )
    return recognition_view(created)


@router.post(
    "/list-recognitions/{entry_id}/actions",
    response_model=RecognitionOut,
    response_model_exclude_unset=True,
    summary="名单认定：告知、决定、公示、报送、移出",
)
def act_on_recognition(
    entry_id: Id,
    body: RecognitionAction,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    entry = db.get(ListRecognition, entry_id)
    if entry is None:
        raise HTTPException(status_code=404, detail=f"名单认定 {entry_id} 不存在")
    notice: list[str] = []

    def notify(s: Session) -> ListRecognition:
        notice.append(recognition.notify(s, entry, caller.actor, today()))
        return entry

    def decide(s: Session) -> ListRecognition:
        if body.valid_until is None:
            raise recognition.RecognitionError("请给出名单有效期至（valid_until）")
        return recognition.decide(
            s, entry, caller.actor, body.decision_number or "", body.valid_until, today()
        )

    actions = {
        "notify": notify,
        "decide": decide,
        "publish": lambda s: recognition.publish(s, entry, caller.actor),
        "report": lambda s: recognition.mark_reported(s, entry, caller.actor),
        "remove": lambda s: recognition.remove(
            s, entry, caller.actor, body.reason or "", body.note or ""
        ),
        "drop": lambda s: _drop(s, entry, caller, body.note or ""),
    }
    _known_action(body.action, actions)
    return recognition_view(_run(db, actions[body.action]), notice[0] if notice else None)


def _drop(session: Session, entry: ListRecognition, caller: Caller, note: str) -> ListRecognition:
    from xinyong.workflow import move

    entry.state = move(
        session, "list_recognition", entry.id, entry.state, "dropped", caller.actor, note
    )
    return entry


# -- commitments -----------------------------------------------------------------------------


@router.get("/commitments", response_model=CommitmentsOut, summary="向社会公开的信用承诺")
def commitment_list(
    limit: Limit500 = 100,
    db: Session = Depends(get_db),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    items = commitments.public_commitments(db, catalog, today(), limit)
    return {"items": items, "total": len(items)}


class BreachIn(BaseModel):
    state: str = Field("全部未履行", description="部分履行 或 全部未履行")
    unfulfilled: str = Field(examples=["未在承诺期限内补齐环评批复"])
    liability: str = Field(examples=["撤销审批决定，记入违诺失信记录"])


@router.post(
    "/commitments/{record_id}/breach",
    response_model=BreachOut,
    summary="认定违背信用承诺（生成违诺失信记录）",
)
def commitment_breach(
    record_id: Id,
    body: BreachIn,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    department = db.get(Department, caller.department_id) if caller.department_id else None
    if department is None:
        raise HTTPException(status_code=422, detail="认定单位未知：请使用部门的 API 密钥或账号")
    record = _run(
        db,
        commitments.record_breach,
        caller.actor,
        record_id,
        body.state,
        body.unfulfilled,
        body.liability,
        department,
        today(),
    )
    return {"record_id": record.id, "item": record.item, "fields": record.fields}
