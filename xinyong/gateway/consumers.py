"""Consumers of the interface: departments' systems, banks, credit agencies, other systems."""

from __future__ import annotations

from datetime import date
from ipaddress import ip_network

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import CONSUMER_KINDS, Consumer
from xinyong.accounts.service import AccountError
from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import get_catalog
from xinyong.catalog.schema import Openness
from xinyong.permissions import authorize
from xinyong.permissions.policy import MARKET_CONSUMERS


def create_consumer(
    session: Session,
    actor: Actor,
    *,
    name: str,
    kind: str,
    contact: str,
    legal_basis: str,
    code: str | None = None,
    items: list[str] | None = None,
    ip_allowlist: list[str] | None = None,
    valid_until: date | None = None,
    matters: str | None = None,
    apply: bool = False,
) -> Consumer:
    """Register a consumer (the credit office), or with ``apply`` file an application for
    access that the credit office then reviews; refused in Chinese when its kind, basis,
    items or addresses are not acceptable (banks and credit agencies may not be given
    restricted items)."""
    authorize(actor, "access.apply" if apply else "account.manage")
    if apply and not (matters and matters.strip()):
        raise AccountError("请写明申请接入办理哪些事项（matters）")
    if kind not in CONSUMER_KINDS:
        raise AccountError(f"接入方类型“{kind}”无效，可选：{'、'.join(CONSUMER_KINDS)}")
    if not legal_basis.strip():
        raise AccountError("请写明接入的法律依据或协议（legal_basis）")
    catalog = get_catalog()
    for code_ in items or []:
        if code_ not in catalog.items:
            raise AccountError(f"目录项“{code_}”不存在")
        if kind in MARKET_CONSUMERS and catalog.item(code_).openness is Openness.restricted:
            raise AccountError(f"目录项“{code_}”为有条件共享，不能向{CONSUMER_KINDS[kind]}开放")
    for network in ip_allowlist or []:
        try:
            ip_network(network, strict=False)
        except ValueError:
            raise AccountError(f"IP 白名单中的“{network}”不是有效的地址或网段") from None
    consumer = Consumer(
        name=name,
        kind=kind,
        code=code,
        contact=contact,
        legal_basis=legal_basis.strip(),
        items=sorted(items) if items else None,
        ip_allowlist=list(ip_allowlist) if ip_allowlist else None,
        valid_until=valid_until,
        matters=matters.strip() if matters else None,
        state="applied" if apply else "approved",
        applied_by=actor.name,
    )
    session.add(consumer)
    session.flush()
    record_event(
        session,
        actor,
        "consumer.apply" if apply else "consumer.create",
        "consumer",
        consumer.id,
        detail={"name": name, "kind": kind, "items": consumer.items},
    )
    return consumer


def review_consumer(
    session: Session, actor: Actor, consumer_id: int, approve: bool, reason: str
) -> Consumer:
    """The credit office approves or rejects an application for access (a reason is due)."""
    authorize(actor, "account.manage")
    consumer = get_consumer(session, consumer_id)
    if consumer.state != "applied":
        raise AccountError(
            f"接入方 {consumer_id} 不是待审核的申请（当前：{STATES[consumer.state]}）"
        )
    if not reason.strip():
        raise AccountError("审核须说明理由")
    consumer.state = "approved" if approve else "rejected"
    consumer.review_reason = reason.strip()
    record_event(
        session,
        actor,
        "consumer.review",
        "consumer",
        consumer.id,
        detail={"approved": approve, "reason": consumer.review_reason},
    )
    return consumer


def issuable(consumer: Consumer) -> None:
    """Keys are issued to approved consumers only."""
    if consumer.state != "approved":
        raise AccountError(f"接入方“{consumer.name}”{STATES[consumer.state]}，不能签发密钥")


STATES = {"applied": "的申请尚待审核", "approved": "已批准", "rejected": "的申请已被退回"}


def list_consumers(session: Session, actor: Actor) -> list[Consumer]:
    authorize(actor, "account.manage")
    return list(session.execute(select(Consumer).order_by(Consumer.id)).scalars())


def get_consumer(session: Session, consumer_id: int) -> Consumer:
    found = session.get(Consumer, consumer_id)
    if found is None:
        raise AccountError(f"接入方 {consumer_id} 不存在（xinyong consumers list 可查看编号）")
    return found
