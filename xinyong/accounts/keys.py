"""Listing and revoking API keys (issuing is ``service.create_api_key``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, Department
from xinyong.accounts.service import AccountError, NewApiKey, create_api_key, hash_key
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
    suspended_at: datetime | None = None
    expires_at: datetime | None = None
    per_minute: int | None = None
    per_day: int | None = None


def key_state(session: Session, key: str) -> tuple[ApiKey | None, str]:
    """The key if it may be used now, else None and the Chinese reason it may not."""
    record = session.execute(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key))
    ).scalar_one_or_none()
    if record is None:
        return None, "API 密钥无效（X-API-Key 请求头）"
    if record.revoked_at is not None:
        return None, f"API 密钥 {record.prefix}… 已于 {record.revoked_at:%Y-%m-%d %H:%M} 被吊销"
    if record.suspended_at is not None:
        return None, f"API 密钥 {record.prefix}… 已于 {record.suspended_at:%Y-%m-%d %H:%M} 暂停使用"
    if record.expires_at is not None and record.expires_at <= utcnow():
        return None, f"API 密钥 {record.prefix}… 已于 {record.expires_at:%Y-%m-%d %H:%M} 过期"
    return record, ""


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
            k.suspended_at,
            k.expires_at,
            k.per_minute,
            k.per_day,
        )
        for k, name in rows
    ]


def find_api_key(session: Session, key_id: str) -> ApiKey:
    """A key by its number or its prefix (``xy_…``)."""
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
    return key


def revoke_api_key(session: Session, actor: Actor, key_id: str) -> ApiKey:
    """Revoke a key for good; every server refuses it within the key cache period (1 s)."""
    authorize(actor, "account.manage")
    key = find_api_key(session, key_id)
    key.revoked_at = utcnow()
    record_event(session, actor, "apikey.revoke", "api_key", key.id, detail={"prefix": key.prefix})
    return key


def suspend_api_key(session: Session, actor: Actor, key_id: str, suspend: bool) -> ApiKey:
    """Suspend a key (refused with 401 until resumed), or resume it."""
    authorize(actor, "account.manage")
    key = find_api_key(session, key_id)
    key.suspended_at = utcnow() if suspend else None
    action = "apikey.suspend" if suspend else "apikey.resume"
    record_event(session, actor, action, "api_key", key.id, detail={"prefix": key.prefix})
    return key


def set_key_limits(
    session: Session,
    actor: Actor,
    key_id: str,
    *,
    per_minute: int | None,
    per_day: int | None,
    expires_at: datetime | None,
    family: str | None = None,
) -> ApiKey:
    """A key's quotas (over all interfaces, or of one interface ``family``) and expiry (0
    removes a quota)."""
    authorize(actor, "account.manage")
    key = find_api_key(session, key_id)
    if family:
        quotas = {f: dict(q) for f, q in (key.family_quotas or {}).items()}
        mine = quotas.setdefault(family, {})
        for window, value in (("minute", per_minute), ("day", per_day)):
            if value is not None:
                mine[window] = value
        key.family_quotas = {f: {w: n for w, n in q.items() if n} for f, q in quotas.items()}
        per_minute = per_day = None
    if per_minute is not None:
        key.per_minute = per_minute or None
    if per_day is not None:
        key.per_day = per_day or None
    if expires_at is not None:
        key.expires_at = expires_at
    record_event(
        session,
        actor,
        "apikey.limits",
        "api_key",
        key.id,
        detail={
            "per_minute": key.per_minute,
            "per_day": key.per_day,
            "family_quotas": key.family_quotas,
            "expires_at": str(expires_at),
        },
    )
    return key


def rotate_api_key(
    session: Session, actor: Actor, key_id: str, overlap: timedelta
) -> tuple[NewApiKey, ApiKey]:
    """A new key with the same owner, scopes and quotas; the old one keeps working for
    ``overlap`` (so the consumer's systems can switch), then expires."""
    authorize(actor, "account.manage")
    old = find_api_key(session, key_id)
    owner = session.get(Department, old.department_id)
    new = create_api_key(session, actor, list(old.scopes), owner, old.label)
    new.record.per_minute, new.record.per_day = old.per_minute, old.per_day
    new.record.expires_at = old.expires_at
    ends = utcnow() + overlap
    old.expires_at = min(old.expires_at, ends) if old.expires_at else ends
    record_event(
        session,
        actor,
        "apikey.rotate",
        "api_key",
        old.id,
        detail={"old": old.prefix, "new": new.record.prefix, "old_expires_at": str(old.expires_at)},
    )
    return new, old
