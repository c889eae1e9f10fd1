"""Signing in enterprises and citizens to their own pages; the sign-in is pluggable.

Built in (``XINYONG_SELF_SERVICE_SIGNIN=builtin``): an enterprise signs in with its USCC, its
legal representative's resident ID (compared as the keyed hash, never stored), a password and
a TOTP code (RFC 6238, pyotp; each code is accepted once); a citizen with its resident ID
(held only as the keyed hash) and a password. A city that signs its residents and firms in
through its provincial unified identity service registers another ``SignInProvider`` under a
name and selects it by that setting; such a provider verifies the identity its own way and
calls ``account_for_identity`` to find (or tie) the account. Failed attempts are throttled
like staff logins (``accounts.throttle``) and audited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import throttle
from xinyong.accounts.passwords import hash_password, verify_password
from xinyong.audit.log import Actor, record_event
from xinyong.clock import today, utcnow
from xinyong.identifiers.check import check_resident_id_value, check_uscc_value
from xinyong.permissions.policy import Principal
from xinyong.privacy.ids import get_protector
from xinyong.selfservice.models import SubjectAccount, SubjectSession
from xinyong.settings import get_settings
from xinyong.subjects.models import Subject
from xinyong.subjects.service import get_or_create_person

SUBJECT_COOKIE = "xinyong_me"
TOTP_ISSUER = "xinyong 信用"
WRONG = "登录信息不正确：请核对统一社会信用代码、法定代表人身份证号码、密码和动态验证码"
WRONG_CITIZEN = "登录信息不正确：请核对身份证号码和密码"


class SignInError(ValueError):
    """A sign-in or account request that cannot be done; the message is in Chinese."""


class SignInRefused(SignInError):
    """Wrong credentials (counted and audited), as against malformed input."""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _uscc(raw: str) -> str:
    checked = check_uscc_value(raw)
    if not checked.valid:
        raise SignInError(f"统一社会信用代码“{raw}”无效：{'；'.join(checked.errors)}")
    return checked.normalized


def _resident_id(raw: str, field: str = "身份证号码") -> str:
    checked = check_resident_id_value(raw, today())
    if not checked.valid:
        raise SignInError(f"{field}“{raw[:18]}”无效：{'；'.join(checked.errors)}")
    return checked.normalized


def _password(password: str) -> str:
    if len(password) < 8:
        raise SignInError("密码至少需要8个字符")
    return hash_password(password)


# -- accounts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewEnterpriseAccount:
    account: SubjectAccount
    totp_secret: str  # shown once, for the authenticator app

    @property
    def provisioning_uri(self) -> str:
        return pyotp.TOTP(self.totp_secret).provisioning_uri(
            name=self.account.login, issuer_name=TOTP_ISSUER
        )


def create_enterprise_account(
    session: Session,
    actor: Actor,
    uscc: str,
    representative_name: str,
    representative_id: str,
    password: str,
    totp_secret: str | None = None,
) -> NewEnterpriseAccount:
    """An enterprise's account, tied to its USCC and its legal representative (the name must
    be the one the subject database holds)."""
    code = _uscc(uscc)
    subject = session.execute(select(Subject).where(Subject.uscc == code)).scalar_one_or_none()
    if subject is None:
        raise SignInError(f"统一社会信用代码“{code}”不在主体库中，无法开通企业账号")
    name = representative_name.strip()
    if subject.legal_representative and name != subject.legal_representative:
        raise SignInError(
            f"法定代表人“{name}”与主体库登记的法定代表人不一致，无法开通“{subject.name}”的账号"
        )
    person = _resident_id(representative_id, "法定代表人身份证号码")
    _unused(session, subject, code)
    secret = totp_secret or pyotp.random_base32()
    protector = get_protector()
    account = SubjectAccount(
        kind="enterprise",
        subject_id=subject.id,
        login=code,
        representative_name=name,
        representative_hash=protector.lookup_hash(person),
        password_hash=_password(password),
        totp_secret_enc=protector.encrypt(secret),
        active=True,
    )
    session.add(account)
    session.flush()
    record_event(
        session,
        actor,
        "subject_account.create",
        "subject_account",
        account.id,
        detail={"kind": "enterprise", "uscc": code},
    )
    return NewEnterpriseAccount(account, secret)


def create_citizen_account(
    session: Session, actor: Actor, resident_id: str, name: str, password: str
) -> SubjectAccount:
    """A citizen's account: the resident ID is held only as the keyed hash (the subject
    database's person, created when the person has no record yet)."""
    number = _resident_id(resident_id)
    if not name.strip():
        raise SignInError("请填写姓名")
    subject, _ = get_or_create_person(session, number, name.strip(), "self-service")
    _unused(session, subject, subject.person_hash or "")
    account = SubjectAccount(
        kind="citizen",
        subject_id=subject.id,
        login=subject.person_hash or "",
        password_hash=_password(password),
        active=True,
    )
    session.add(account)
    session.flush()
    record_event(
        session,
        actor,
        "subject_account.create",
        "subject_account",
        account.id,
        detail={"kind": "citizen"},
    )
    return account


def _unused(session: Session, subject: Subject, login: str) -> None:
    taken = session.execute(
        select(SubjectAccount.id).where(
            (SubjectAccount.subject_id == subject.id) | (SubjectAccount.login == login)
        )
    ).first()
    if taken:
        raise SignInError(f"“{subject.name}”已开通账号")


def account_for_identity(
    session: Session, issuer: str, external_id: str, code: str
) -> SubjectAccount | None:
    """For an identity provider: the account of the identity ``external_id`` at ``issuer``,
    tied on first use to the account of ``code`` (the USCC or resident ID the provider
    vouches for). None: no account for that subject."""
    account = session.execute(
        select(SubjectAccount).where(
            SubjectAccount.issuer == issuer, SubjectAccount.external_id == external_id
        )
    ).scalar_one_or_none()
    if account is None:
        checked = check_uscc_value(code)
        login = checked.normalized if checked.valid else get_protector().lookup_hash(code)
        account = session.execute(
            select(SubjectAccount).where(SubjectAccount.login == login)
        ).scalar_one_or_none()
        if account is None or account.issuer is not None:
            return None
        account.issuer, account.external_id = issuer, external_id
    return account if account.active else None


# -- signing in -------------------------------------------------------------------------------


class SignInProvider(Protocol):
    """How enterprises and citizens prove who they are."""

    name: str

    def sign_in(
        self, session: Session, kind: str, form: Mapping[str, str], ip: str | None
    ) -> SubjectAccount:
        """The account, or ``SignInError``/``throttle.LoginLocked`` (Chinese messages)."""
        ...


class BuiltinSignIn:
    """Password for both, plus the TOTP code for an enterprise."""

    name = "builtin"

    def sign_in(
        self, session: Session, kind: str, form: Mapping[str, str], ip: str | None
    ) -> SubjectAccount:
        if kind == "enterprise":
            login = _uscc(form.get("uscc", ""))
            wrong = WRONG
        elif kind == "citizen":
            login = get_protector().lookup_hash(_resident_id(form.get("resident_id", "")))
            wrong = WRONG_CITIZEN
        else:
            raise SignInError(f"账号类别“{kind}”无效，可选：enterprise、citizen")
        name = f"{kind}:{login[:40]}"
        now = utcnow()
        until = throttle.locked_until(session, name, ip, now)
        attempt = Actor("anonymous", ip)
        if until is not None:
            record_event(session, attempt, "login.locked", "login", name, detail={"until": until})
            raise throttle.LoginLocked(until, now)
        account = session.execute(
            select(SubjectAccount).where(SubjectAccount.login == login, SubjectAccount.kind == kind)
        ).scalar_one_or_none()
        reason = _refusal(account, form, now)
        if reason is not None:
            throttle.record_failure(session, name, ip, now)
            record_event(session, attempt, "login.failed", "login", name, detail={"reason": reason})
            raise SignInRefused(wrong)
        assert account is not None
        throttle.reset_user(session, name)
        return account


def _refusal(account: SubjectAccount | None, form: Mapping[str, str], now: datetime) -> str | None:
    password = form.get("password", "")
    if account is None or account.password_hash is None:
        verify_password(_dummy_hash(), password)  # as slow as a known account
        return "unknown_account"
    if not verify_password(account.password_hash, password):
        return "wrong_password"
    if not account.active:
        return "inactive"
    if account.kind != "enterprise":
        return None
    protector = get_protector()
    try:
        person = _resident_id(form.get("representative_id", ""), "法定代表人身份证号码")
    except SignInError:
        return "wrong_representative"
    if protector.lookup_hash(person) != account.representative_hash:
        return "wrong_representative"
    if account.totp_secret_enc is None:
        return "no_second_factor"
    step = totp_step(protector.decrypt(account.totp_secret_enc), form.get("code", ""), now)
    if step is None:
        return "wrong_code"
    if account.last_totp_step is not None and step <= account.last_totp_step:
        return "code_reused"
    account.last_totp_step = step
    return None


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step a TOTP code belongs to (the current one or its neighbours, for clock
    drift), or None when it matches none."""
    totp = pyotp.TOTP(secret)
    code = code.strip()
    at = now.replace(tzinfo=UTC)  # pyotp reads a naive time as local time
    for drift in (0, -1, 1):
        moment = at + timedelta(seconds=drift * totp.interval)
        if secrets.compare_digest(totp.at(moment), code):
            return int(totp.timecode(moment))
    return None


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(32)))
    return _DUMMY[0]


PROVIDERS: dict[str, SignInProvider] = {"builtin": BuiltinSignIn()}


def register_provider(provider: SignInProvider) -> None:
    """Plug in another sign-in (a city's OpenID Connect provider), selected by name with
    XINYONG_SELF_SERVICE_SIGNIN."""
    PROVIDERS[provider.name] = provider


def provider() -> SignInProvider:
    chosen = get_settings().self_service_signin
    try:
        return PROVIDERS[chosen]
    except KeyError:
        raise SignInError(
            f"XINYONG_SELF_SERVICE_SIGNIN=“{chosen}”不是已登记的登录方式，可选："
            f"{'、'.join(PROVIDERS)}"
        ) from None


# -- sessions ---------------------------------------------------------------------------------


def open_subject_session(session: Session, account: SubjectAccount, ip: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        SubjectSession(
            token_hash=_sha256(token),
            account_id=account.id,
            created_at=now,
            expires_at=now + timedelta(hours=get_settings().session_hours),
            ip=ip,
        )
    )
    account.last_login_at = now
    record_event(
        session, subject_principal(account, ip), "session.open", "subject_account", account.id
    )
    return token


def account_for_session(session: Session, token: str) -> SubjectAccount | None:
    login = session.execute(
        select(SubjectSession).where(SubjectSession.token_hash == _sha256(token))
    ).scalar_one_or_none()
    if login is None or login.revoked_at is not None or login.expires_at < utcnow():
        return None
    account = session.get(SubjectAccount, login.account_id)
    return account if account is not None and account.active else None


def close_subject_session(session: Session, token: str) -> None:
    login = session.execute(
        select(SubjectSession).where(SubjectSession.token_hash == _sha256(token))
    ).scalar_one_or_none()
    if login is not None and login.revoked_at is None:
        login.revoked_at = utcnow()


def subject_principal(account: SubjectAccount, ip: str | None) -> Principal:
    """The principal of a signed-in subject; a citizen is named by its account number, never
    by its ID."""
    name = (
        f"enterprise:{account.login}" if account.kind == "enterprise" else f"citizen:{account.id}"
    )
    return Principal(
        name, ip, kind="subject", subject_id=account.subject_id, account_kind=account.kind
    )
