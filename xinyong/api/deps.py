"""Request dependencies: database session and the caller (public, staff user or API key)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from xinyong.accounts.service import api_key_for, user_for_session
from xinyong.audit.log import Actor
from xinyong.catalog.registry import Catalog, get_catalog
from xinyong.clock import utcnow
from xinyong.db.engine import session_factory
from xinyong.records.views import Audience

SESSION_COOKIE = "xinyong_session"
KEY_USE_RESOLUTION = timedelta(minutes=1)


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


def get_caller(request: Request, db: Session = Depends(get_db)) -> Caller:
    ip = _client_ip(request)
    key = request.headers.get("x-api-key")
    if key:
        record = api_key_for(db, key)
        if record is not None:
            now = utcnow()
            if record.last_used_at is None or now - record.last_used_at > KEY_USE_RESOLUTION:
                record.last_used_at = now  # recorded at most once a minute per key
                db.commit()
            scopes = frozenset(record.scopes)
            audience = Audience.staff if "read" in scopes or "admin" in scopes else Audience.public
            return Caller(
                Actor(f"apikey:{record.prefix}", ip), audience, record.department_id, scopes
            )
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
