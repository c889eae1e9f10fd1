"""Request dependencies: database session, the caller (a Principal) and the route gate."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from xinyong.accounts.keys import key_state
from xinyong.accounts.models import Consumer, Department, User
from xinyong.accounts.service import user_for_session
from xinyong.catalog.registry import Catalog, get_catalog
from xinyong.clock import today, utcnow
from xinyong.db.engine import session_factory
from xinyong.gateway.quotas import take
from xinyong.gateway.usage import family_of
from xinyong.permissions.actions import ACTIONS
from xinyong.permissions.policy import (
    NotAuthenticated,
    PermissionDenied,
    Principal,
    authorize_route,
)
from xinyong.permissions.routes import action_for
from xinyong.selfservice.signin import SUBJECT_COOKIE, account_for_session, subject_principal

SESSION_COOKIE = "xinyong_session"


def get_db() -> Iterator[Session]:
    session = session_factory()()
    try:
        yield session
    finally:
        session.close()


def catalog_dep() -> Catalog:
    return get_catalog()


# The caller of a request is a Principal (permissions.policy): who it is, what it holds.
Caller = Principal


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@dataclass(frozen=True)
class _KnownKey:
    prefix: str
    department_id: int | None
    credit_office: bool
    scopes: frozenset[str]
    until: float
    per_minute: int | None = None
    per_day: int | None = None
    family_quotas: tuple[tuple[str, int | None, int | None], ...] = ()
    consumer_kind: str | None = None
    items: frozenset[str] | None = None
    networks: tuple[IPv4Network | IPv6Network, ...] | None = None  # the IP allowlist
    consumer_id: int | None = None


# Recently seen API keys (by hash): a busy caller costs one key lookup a second, not one per
# request. A revoked, suspended or expired key stops working within KEY_CACHE_SECONDS, on
# every server (each looks the key up again).
_known_keys: dict[str, _KnownKey] = {}
KEY_CACHE_SECONDS = 1.0


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# While one request looks an expired key up again, the others keep using what was known for
# up to REFRESH_GRACE_SECONDS more (one lookup per key a second, not one per waiting request).
REFRESH_GRACE_SECONDS = 1.0
_refreshing: set[str] = set()
# last_used_at is written at most once a minute per key.
LAST_USED_EVERY_SECONDS = 60.0
_last_used_written: dict[str, float] = {}


def _remembered_key(digest: str, grace: bool = False) -> _KnownKey | None:
    """The key as last looked up, while fresh; with ``grace``, also while another request is
    looking it up again (the one that looks it up never uses the grace)."""
    known = _known_keys.get(digest)
    if known is None:
        return None
    now = time.monotonic()
    if known.until >= now:
        return known
    if grace and digest in _refreshing and known.until + REFRESH_GRACE_SECONDS >= now:
        return known  # being looked up again by another request
    return None


def forget_keys() -> None:
    """Forget every remembered key (after a revocation in this process, and in tests)."""
    _known_keys.clear()
    _last_used_written.clear()


def _look_up_key(db: Session, key: str, digest: str) -> _KnownKey:
    record, refusal = key_state(db, key)
    if record is None:
        _known_keys.pop(digest, None)
        raise NotAuthenticated(refusal)
    department = db.get(Department, record.department_id)
    consumer = db.get(Consumer, record.consumer_id) if record.consumer_id else None
    if consumer is not None and consumer.valid_until and consumer.valid_until < today():
        raise NotAuthenticated(f"“{consumer.name}”的接入有效期已于 {consumer.valid_until} 届满")
    now = time.monotonic()
    if _last_used_written.get(digest, -LAST_USED_EVERY_SECONDS) + LAST_USED_EVERY_SECONDS <= now:
        _last_used_written[digest] = now
        record.last_used_at = utcnow()
        try:  # best effort: a batch holding SQLite's write lock must not fail the request
            db.commit()
        except OperationalError:
            db.rollback()
    known = _KnownKey(
        record.prefix,
        None if consumer else record.department_id,
        consumer is None and bool(department and department.is_credit_office),
        frozenset(record.scopes),
        time.monotonic() + KEY_CACHE_SECONDS,
        record.per_minute,
        record.per_day,
        tuple(
            (family, q.get("minute"), q.get("day"))
            for family, q in sorted((record.family_quotas or {}).items())
        ),
        consumer.kind if consumer else None,
        frozenset(consumer.items) if consumer and consumer.items else None,
        tuple(ip_network(n, strict=False) for n in consumer.ip_allowlist)
        if consumer and consumer.ip_allowlist
        else None,
        consumer.id if consumer else None,
    )
    _known_keys[digest] = known
    return known


def _key_principal(known: _KnownKey, ip: str | None) -> Principal:
    if known.networks is not None and not _allowed_address(ip, known.networks):
        raise PermissionDenied(f"该 API 密钥不允许从地址 {ip or '（未知）'} 调用（IP 白名单）")
    return Principal(
        f"apikey:{known.prefix}",
        ip,
        kind="apikey",
        scopes=known.scopes,
        department_id=known.department_id,
        credit_office=known.credit_office,
        per_minute=known.per_minute,
        per_day=known.per_day,
        family_quotas=known.family_quotas,
        consumer_kind=known.consumer_kind,
        items=known.items,
        consumer_id=known.consumer_id,
    )


def _allowed_address(ip: str | None, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        address = ip_address(ip or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def user_principal(db: Session, user: User, ip: str | None) -> Principal:
    department = db.get(Department, user.department_id) if user.department_id else None
    return Principal(
        f"user:{user.username}",
        ip,
        kind="user",
        role=user.role,
        department_id=user.department_id,
        credit_office=department is None or department.is_credit_office,
    )


def _resolve(request: Request, db: Session) -> Principal:
    ip = _client_ip(request)
    key = request.headers.get("x-api-key")
    if key is not None:
        digest = _key_hash(key)
        known = _remembered_key(digest) or _look_up_key(db, key, digest)
        return _key_principal(known, ip)
    token = request.cookies.get(SESSION_COOKIE)
    user = user_for_session(db, token) if token else None
    if user is not None:
        return user_principal(db, user, ip)
    own = request.cookies.get(SUBJECT_COOKIE)
    account = account_for_session(db, own) if own else None
    if account is not None:
        return subject_principal(account, ip)
    return Principal.anonymous(ip)


def get_caller(request: Request, db: Session = Depends(get_db)) -> Principal:
    """The request's principal (resolved once per request; a bad API key is a 401)."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    principal = _resolve(request, db)
    request.state.principal = principal
    return principal


def _caller_with_own_session(request: Request) -> Principal:
    db = session_factory()()
    try:
        return get_caller(request, db)
    finally:
        db.close()


async def get_caller_async(request: Request) -> Principal:
    """``get_caller`` for async code: a remembered API key costs no database work and no
    thread hop; anything else is looked up in the thread pool."""
    known_principal = getattr(request.state, "principal", None)
    if isinstance(known_principal, Principal):
        return known_principal
    key = request.headers.get("x-api-key")
    if key is not None:
        known = _remembered_key(_key_hash(key), grace=True)
        if known is not None:
            principal = _key_principal(known, _client_ip(request))
            request.state.principal = principal
            return principal
        digest = _key_hash(key)
        _refreshing.add(digest)
        try:
            return await run_in_threadpool(_caller_with_own_session, request)
        finally:
            _refreshing.discard(digest)
    return await run_in_threadpool(_caller_with_own_session, request)


WORKBENCH = "/workbench"


async def gate(request: Request) -> None:
    """Every route's permission (permissions.routes), checked before its body is read.

    Public routes resolve an API key if one is sent (a bad one is refused) and leave a login
    cookie to ``get_caller``, so an anonymous page view costs no database work."""
    route = request.scope.get("route")
    code = action_for(request.method, getattr(route, "path", request.url.path))
    public = ACTIONS[code].public
    if public and "x-api-key" not in request.headers:
        return
    principal = await get_caller_async(request)
    if not public and request.url.path.startswith(WORKBENCH) and principal.kind != "user":
        raise NotAuthenticated("工作台须以工作人员账号登录")  # API keys serve the API only
    authorize_route(principal, code)
    if principal.per_minute or principal.per_day or principal.family_quotas:
        _within_quota(principal, family_of(request.url.path))


def _within_quota(principal: Principal, family: str) -> None:
    """The key's quotas, over all interfaces and for this interface family."""
    quotas = [(principal.name, "", principal.per_minute, principal.per_day)]
    quotas += [(f"{principal.name}:{f}", f, m, d) for f, m, d in principal.family_quotas]
    for name, of_family, minute, day in quotas:
        if (of_family and of_family != family) or not (minute or day):
            continue
        verdict = take(name, {"minute": minute, "day": day})
        if verdict is not None and not verdict.allowed:
            window = "每分钟" if verdict.window == "minute" else "每日"
            scope = f"“{of_family}”类接口" if of_family else ""
            raise PermissionDenied(
                f"{scope}调用次数超过配额（{window}{verdict.limit}次），"
                f"请在{verdict.reset_s}秒后重试",
                429,
                verdict.headers(),
            )


ModelT = TypeVar("ModelT", bound=BaseModel)


async def json_body(request: Request, model: type[ModelT]) -> ModelT:
    """The request body parsed and validated as ``model`` in one step (pydantic's JSON parser).

    For hot endpoints: cheaper than a body parameter, which FastAPI decodes with the standard
    library and then validates. Errors are FastAPI's usual 422, located under ``body``. Such an
    endpoint declares the body for the OpenAPI page with ``documented_body(model)``.
    """
    raw = await request.body()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [_body_error(error) for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors, body=raw) from None


_BODY_ERRORS = {
    "missing": "缺少必填字段",
    "json_invalid": "请求体不是有效的 JSON",
    "json_type": "请求体应为 JSON 对象",
    "model_type": "请求体应为 JSON 对象",
    "model_attributes_type": "请求体应为 JSON 对象",
    "list_type": "应为数组",
    "string_type": "应为字符串",
}


_NO_VALUE = {"missing", "json_invalid"}  # no value to show: absent, or the body is not JSON


def _body_error(error: Any) -> dict[str, Any]:
    """A pydantic error located under ``body``, its message in Chinese naming the field, the
    reason and (where there is one) the value received."""
    where = ".".join(str(part) for part in error["loc"])
    reason = _BODY_ERRORS.get(error["type"], error["msg"])
    if error["type"] not in _NO_VALUE:
        received = json.dumps(error.get("input"), ensure_ascii=False, default=str)
        reason = f"{reason}，收到 {received[:60]}"
    message = f"字段“{where}”：{reason}" if where else reason
    return {**error, "loc": ("body", *error["loc"]), "msg": message}


def documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` describing a JSON body read by ``json_body`` (a flat model)."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }
