"""Resolving code-conflict cases: a clerk decides, nothing is merged or overwritten silently."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.clock import utcnow
from xinyong.ingest.models import CodeConflict
from xinyong.permissions import authorize
from xinyong.subjects.models import Subject
from xinyong.subjects.service import rename_subject

RESOLUTIONS = {
    "rename": "核实为更名，采用新名称（原名称保留为曾用名）",
    "keep": "核实为报送错误，保留登记名称，并通知报送部门更正",
    "other_code": "核实为另一主体（一名多码属实），不合并",
}


class ConflictError(ValueError):
    pass


def resolve(
    session: Session, actor: Actor, case: CodeConflict, resolution: str, note: str
) -> CodeConflict:
    authorize(actor, "conflict.resolve", case.department_id)
    if case.status != "open":
        raise ConflictError("该重错码已处理")
    if resolution not in RESOLUTIONS:
        raise ConflictError(f"处理方式“{resolution}”无效，可选：{'、'.join(RESOLUTIONS)}")
    if resolution == "rename":
        if case.kind != "code_with_two_names" or case.subject_id is None:
            raise ConflictError("只有“一码多名”可以按更名处理")
        subject = session.get(Subject, case.subject_id)
        assert subject is not None
        rename_subject(session, subject, case.name, f"conflict:{case.id}")
    case.status = "resolved"
    case.resolved_at = utcnow()
    case.resolution = f"{RESOLUTIONS[resolution]}{('：' + note) if note.strip() else ''}"
    record_event(
        session,
        actor,
        "conflict.resolve",
        "code_conflict",
        case.id,
        detail={"resolution": resolution},
    )
    return case
