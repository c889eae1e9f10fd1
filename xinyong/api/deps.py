"""Request dependencies: database session and the caller (public, staff user or API key)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from xinyong.accounts.service import api_key_for, user_for_session
from xinyong.audit.log import Actor
from xinyong.catalog.registry import Catalog, get_catalog
from xinyong.clock import utcnow
from xinyong.db.engine import session_factory
from xinyong.records.views import Audience

SESSION_COOKIE = "xinyong_session"


def get_db() -> Iterator[Session]:
    session = session_factory()()
    try:
        yield session
    finally:
        session.close()


def catalog_dep() -> Catalog:
    return get_catalog()


@dataclass(frozen=True)
class Caller:
    actor: Actor
    audience: Audience
    department_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    role: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.audience is Audience.staff


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@dataclass(frozen=True)
class _KnownKey:
    prefix: str
    department_id: int
    scopes: frozenset[str]
    until: float


# Recently seen API keys (by hash): a busy caller costs no key lookup per request. A revoked
# key stops working within KEY_CACHE_SECONDS.
_known_keys: dict[str, _KnownKey] = {}
KEY_CACHE_SECONDS = 60.0


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _remembered_key(digest: str) -> _KnownKey | None:
    known = _known_keys.get(digest)
    return known if known is not None and known.until >= time.monotonic() else None


def _look_up_key(db: Session, key: str, digest: str) -> _KnownKey | None:
    record = api_key_for(db, key)
    if record is None:
        _known_keys.pop(digest, None)
        return None
    record.last_used_at = utcnow()  # recorded at most once a cache period per key
    db.commit()
    known = _KnownKey(
        record.prefix,
        record.department_id,
        frozenset(record.scopes),
        time.monotonic() + KEY_CACHE_SECONDS,
    )
    _known_keys[digest] = known
    return known


def _key_caller_of(known: _KnownKey, ip: str | None) -> Caller:
    audience = (
        Audience.staff if "read" in known.scopes or "admin" in known.scopes else Audience.public
    )
    return Caller(Actor(f"apikey:{known.prefix}", ip), audience, known.department_id, known.scopes)


def _key_caller(db: Session, key: str, ip: str | None) -> Caller | None:
    digest = _key_hash(key)
    known = _remembered_key(digest) or _look_up_key(db, key, digest)
    return _key_caller_of(known, ip) if known else None


def get_caller(request: Request, db: Session = Depends(get_db)) -> Caller:
    ip = _client_ip(request)
    key = request.headers.get("x-api-key")
    if key:
        caller = _key_caller(db, key, ip)
        if caller is not None:
            return caller
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        user = user_for_session(db, token)
        if user is not None:
            return Caller(
                Actor(f"user:{user.username}", ip),
                Audience.staff,
                user.department_id,
                frozenset({"read"}),
                user.role,
            )
    return Caller(Actor("public", ip), Audience.public)


def _caller_with_own_session(request: Request) -> Caller:
    db = session_factory()()
    try:
        return get_caller(request, db)
    finally:
        db.close()


async def get_caller_async(request: Request) -> Caller:
    """``get_caller`` for async endpoints: a remembered API key costs no database work and no
    thread hop; anything else is looked up in the thread pool."""
    key = request.headers.get("x-api-key")
    if key:
        known = _remembered_key(_key_hash(key))
        if known is not None:
            return _key_caller_of(known, _client_ip(request))
    return await run_in_threadpool(_caller_with_own_session, request)


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
