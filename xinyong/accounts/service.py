"""Creating and finding departments, users, login sessions and API keys."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import throttle
from xinyong.accounts.models import ApiKey, Consumer, Department, LoginSession, User
from xinyong.accounts.passwords import hash_password, verify_password
from xinyong.accounts.roles import API_SCOPES, ROLES
from xinyong.audit.log import Actor, record_event
from xinyong.clock import utcnow
from xinyong.identifiers.check import check_uscc_value
from xinyong.settings import get_settings

KEY_PREFIX = "xy_"


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is in Chinese."""


def hash_key(key: str) -> str:
    """How an API key is stored: its SHA-256 (the key itself is shown once)."""
    return _sha256(key)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def get_department(session: Session, uscc: str) -> Department:
    department = session.execute(
        select(Department).where(Department.uscc == uscc)
    ).scalar_one_or_none()
    if department is None:
        raise AccountError(f"部门“{uscc}”不存在（按统一社会信用代码查找）")
    return department


def credit_office(session: Session) -> Department:
    office = session.execute(
        select(Department).where(Department.is_credit_office.is_(True))
    ).scalar_one_or_none()
    if office is None:
        raise AccountError("尚未登记信用办（信用中心），请先运行 xinyong demo 或创建部门")
    return office


def create_department(
    session: Session,
    actor: Actor,
    uscc: str,
    name: str,
    short_name: str | None = None,
    is_credit_office: bool = False,
) -> Department:
    checked = check_uscc_value(uscc)
    if not checked.valid:
        raise AccountError(f"部门统一社会信用代码“{uscc}”无效：{'；'.join(checked.errors)}")
    department = Department(
        uscc=checked.normalized,
        name=name,
        short_name=short_name,
        is_credit_office=is_credit_office,
    )
    session.add(department)
    session.flush()
    record_event(
        session,
        actor,
        "department.create",
        "department",
        department.id,
        detail={"uscc": department.uscc, "name": name},
    )
    return department


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    department: Department | None = None,
) -> User:
    if role not in ROLES:
        raise AccountError(f"角色“{role}”不存在，可选：{'、'.join(ROLES)}")
    if len(password) < 8:
        raise AccountError("密码至少需要8个字符")
    if session.execute(select(User).where(User.username == username)).first():
        raise AccountError(f"用户名“{username}”已存在")
    if role == "data_officer" and department is None:
        raise AccountError("部门数据报送员必须属于一个部门（--department）")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        department_id=department.id if department else None,
    )
    session.add(user)
    session.flush()
    record_event(
        session, actor, "user.create", "user", user.id, detail={"username": username, "role": role}
    )
    return user


@cache
def _dummy_hash() -> str:
    """A password hash no password matches, checked for unknown user names so that they take
    as long to refuse as known ones."""
    return hash_password(secrets.token_urlsafe(32))


def authenticate(
    session: Session, username: str, password: str, ip: str | None = None
) -> User | None:
    """The user, or None for a wrong password or an unknown or inactive user; raises
    ``LoginLocked`` after too many failures (``xinyong.accounts.throttle``).

    Failed and locked-out attempts are counted and audited in the caller's transaction, which
    the caller commits whatever the outcome.
    """
    now = utcnow()
    attempt = Actor("anonymous", ip)
    until = throttle.locked_until(session, username, ip, now)
    if until is not None:
        record_event(
            session, attempt, "login.locked", "login", username[:120], detail={"until": until}
        )
        raise throttle.LoginLocked(until, now)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    matches = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not matches or not user.active:
        throttle.record_failure(session, username, ip, now)
        reason = "unknown_user" if user is None else "inactive" if matches else "wrong_password"
        record_event(
            session, attempt, "login.failed", "login", username[:120], detail={"reason": reason}
        )
        return None
    throttle.reset_user(session, username)
    return user


def open_session(session: Session, user: User, ip: str | None) -> str:
    """Start a login session; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        LoginSession(
            token_hash=_sha256(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=get_settings().session_hours),
            ip=ip,
        )
    )
    user.last_login_at = now
    record_event(session, Actor(f"user:{user.username}", ip), "session.open", "user", user.id)
    return token


def user_for_session(session: Session, token: str) -> User | None:
    login = session.execute(
        select(LoginSession).where(LoginSession.token_hash == _sha256(token))
    ).scalar_one_or_none()
    if login is None or login.revoked_at is not None or login.expires_at < utcnow():
        return None
    user = session.get(User, login.user_id)
    return user if user is not None and user.active else None


def close_session(session: Session, token: str) -> None:
    login = session.execute(
        select(LoginSession).where(LoginSession.token_hash == _sha256(token))
    ).scalar_one_or_none()
    if login is not None and login.revoked_at is None:
        login.revoked_at = utcnow()


@dataclass(frozen=True)
class NewApiKey:
    key: str
    record: ApiKey


def create_api_key(
    session: Session,
    actor: Actor,
    scopes: list[str],
    department: Department | None = None,
    label: str | None = None,
    consumer_id: int | None = None,
) -> NewApiKey:
    """Issue a key; it is shown once and only its hash is stored. A consumer's key (a bank, a
    credit agency, another system) is issued by the credit office for that consumer."""
    unknown = [s for s in scopes if s not in API_SCOPES]
    if unknown or not scopes:
        raise AccountError(
            f"权限范围“{'、'.join(unknown) or '（空）'}”无效，可选：{'、'.join(API_SCOPES)}"
        )
    owner = department or credit_office(session)
    if consumer_id is not None:
        consumer = session.get(Consumer, consumer_id)
        if consumer is None or consumer.state != "approved":
            name = consumer.name if consumer else str(consumer_id)
            raise AccountError(f"接入方“{name}”未经信用办批准，不能签发密钥")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        prefix=key[:10],
        key_hash=_sha256(key),
        label=label,
        department_id=owner.id,
        scopes=sorted(set(scopes)),
        consumer_id=consumer_id,
    )
    session.add(record)
    session.flush()
    record_event(
        session,
        actor,
        "apikey.create",
        "api_key",
        record.id,
        detail={"prefix": record.prefix, "department": owner.uscc, "scopes": record.scopes},
    )
    return NewApiKey(key=key, record=record)


def api_key_for(session: Session, key: str) -> ApiKey | None:
    record = session.execute(
        select(ApiKey).where(ApiKey.key_hash == _sha256(key))
    ).scalar_one_or_none()
    if record is None or record.revoked_at is not None:
        return None
    return record
