"""Listing and revoking API keys (issuing is ``service.create_api_key``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, Department
from xinyong.accounts.service import AccountError
from xinyong.audit.log import Actor, record_event
from xinyong.clock import utcnow
from xinyong.permissions import authorize


@dataclass(frozen=True)
class KeyInfo:
    id: int
    prefix: str
    department: str
    scopes: list[str]
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def list_api_keys(session: Session, actor: Actor) -> list[KeyInfo]:
    authorize(actor, "account.manage")
    rows = session.execute(
        select(ApiKey, Department.name)
        .join(Department, Department.id == ApiKey.department_id)
        .order_by(ApiKey.id)
    ).all()
    return [
        KeyInfo(
            k.id,
            k.prefix,
            name,
            list(k.scopes),
            k.label,
            k.created_at,
            k.last_used_at,
            k.revoked_at,
        )
        for k, name in rows
    ]


def revoke_api_key(session: Session, actor: Actor, key_id: str) -> ApiKey:
    """Revoke a key by its number or its prefix (``xy_…``); servers stop accepting it within
    the key cache period (60 seconds)."""
    authorize(actor, "account.manage")
    number = int(key_id) if key_id.isdigit() else -1
    found = (
        session.execute(select(ApiKey).where(or_(ApiKey.id == number, ApiKey.prefix == key_id)))
        .scalars()
        .all()
    )
    if len(found) != 1:
        problem = "不存在" if not found else "对应多个密钥，请使用编号"
        raise AccountError(f"API 密钥“{key_id}”{problem}（xinyong apikeys list 可查看编号）")
    key = found[0]
    if key.revoked_at is not None:
        raise AccountError(f"API 密钥“{key_id}”已于 {key.revoked_at:%Y-%m-%d %H:%M} 吊销")
    key.revoked_at = utcnow()
    record_event(session, actor, "apikey.revoke", "api_key", key.id, detail={"prefix": key.prefix})
    return key
