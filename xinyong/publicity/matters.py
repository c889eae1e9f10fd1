"""Matter management: the licence and penalty matters each department issues."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor, record_event
from xinyong.publicity.models import PublicityMatter

KINDS = {"license": "行政许可", "penalty": "行政处罚"}


class MatterError(ValueError):
    pass


def add_matter(
    session: Session,
    actor: Actor,
    department: Department,
    kind: str,
    code: str,
    name: str,
    legal_basis: str,
) -> PublicityMatter:
    if kind not in KINDS:
        raise MatterError(f"事项类别“{kind}”无效，可选：license（行政许可）、penalty（行政处罚）")
    if not legal_basis.strip():
        raise MatterError("事项必须注明设定依据")
    if session.execute(select(PublicityMatter).where(PublicityMatter.code == code)).first():
        raise MatterError(f"事项编码“{code}”已存在")
    matter = PublicityMatter(
        department_id=department.id, kind=kind, code=code, name=name, legal_basis=legal_basis
    )
    session.add(matter)
    session.flush()
    record_event(
        session,
        actor,
        "matter.create",
        "publicity_matter",
        matter.id,
        detail={"code": code, "department": department.uscc},
    )
    return matter


def matters(session: Session, department: Department | None = None) -> list[PublicityMatter]:
    query = select(PublicityMatter).where(PublicityMatter.active.is_(True))
    if department is not None:
        query = query.where(PublicityMatter.department_id == department.id)
    return list(session.execute(query.order_by(PublicityMatter.code)).scalars())
