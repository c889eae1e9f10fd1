"""Commitments arrive through ingest (catalog item ``commitment``). Fulfilment is tracked on the
record; a breach makes a new version (全部未履行 / 部分履行) and a ``commitment_breach``
dishonesty record that cites the commitment's code."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import Catalog, get_catalog
from xinyong.permissions import authorize
from xinyong.privacy.ids import get_protector, is_encrypted
from xinyong.records.models import Record
from xinyong.records.store import save_record
from xinyong.records.views import public_condition
from xinyong.subjects.models import Subject
from xinyong.subjects.service import subject_ref
from xinyong.subjects.views import Audience, shown_code

PUBLIC_DISCLOSURE = "可向社会公开"
BREACH_STATES = ("部分履行", "全部未履行")


class CommitmentError(ValueError):
    """A commitment request that cannot be served; the message is in Chinese."""


def public_commitments(
    session: Session, catalog: Catalog, today: date, limit: int = 100
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Record, Subject)
        .join(Subject, Subject.id == Record.subject_id)
        .where(public_condition(catalog, today), Record.item == "commitment")
        .order_by(Record.decision_date.desc(), Record.id.desc())
        .limit(limit * 2)
    ).all()
    shown = []
    for record, subject in rows:
        fields = record.fields
        if fields.get("CN_GKLX") != PUBLIC_DISCLOSURE:
            continue
        shown.append(
            {
                "record_id": record.id,
                "code": shown_code(subject, Audience.public),
                "ref": subject_ref(subject),
                "name": subject.name,
                "number": fields.get("CN_BM"),
                "type": fields.get("CN_LX"),
                "matter": fields.get("CN_SY"),
                "content": fields.get("CN_NR"),
                "made_on": record.decision_date,
                "valid_until": record.valid_to,
                "fulfilment": fields.get("CN_LXZT"),
            }
        )
    return shown[:limit]


def record_breach(
    session: Session,
    actor: Actor,
    record_id: int,
    state: str,
    unfulfilled: str,
    liability: str,
    department: Department,
    today: date,
) -> Record:
    """Record that a commitment was not kept; returns the new dishonesty record."""
    authorize(actor, "commitment.breach")
    if state not in BREACH_STATES:
        raise CommitmentError(f"履行状态“{state}”无效，违诺时可选：{'、'.join(BREACH_STATES)}")
    if not unfulfilled.strip() or not liability.strip():
        raise CommitmentError("请填写未履行的承诺内容和违诺责任追究内容")
    commitment = session.get(Record, record_id)
    if commitment is None or commitment.item != "commitment" or not commitment.is_current:
        raise CommitmentError(f"承诺记录 {record_id} 不存在或不是最新版本")
    subject = session.get(Subject, commitment.subject_id)
    assert subject is not None
    catalog = get_catalog()
    plain = {
        k: (get_protector().decrypt(v) if is_encrypted(v) else v)
        for k, v in commitment.fields.items()
    }
    save_record(
        session,
        catalog.item("commitment"),
        subject,
        plain | {"CN_LXZT": state, "CN_WLXNR": unfulfilled, "CN_ZJNR": liability},
        department_id=commitment.department_id,
    )
    breach = {
        "WN_BM": plain["CN_BM"],
        "WN_MC": subject.name,
        "WN_LB": plain["CN_RLB"],
        "WN_SHXYM": subject.uscc,
        "WN_ZJHM": None if subject.uscc else get_protector().decrypt(subject.person_id_enc or ""),
        "WN_LX": plain["CN_LX"],
        "WN_WLXNR": unfulfilled,
        "WN_ZJNR": liability,
        "WN_RDRQ": today.isoformat(),
        "WN_RDJG": department.name,
        "WN_RDJGDM": department.uscc,
        "WN_SJLY": department.name,
        "WN_SJLYDM": department.uscc,
    }
    result = save_record(
        session, catalog.item("commitment_breach"), subject, breach, department_id=department.id
    )
    record_event(
        session,
        actor,
        "commitment.breach",
        "record",
        result.record.id,
        detail={"commitment": plain["CN_BM"], "state": state},
    )
    return result.record
