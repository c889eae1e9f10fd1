"""Staff login throttling: failed logins counted per user name and per client address.

Failures are rows of ``login_failures`` (so every process sees them). A login is locked out
while the user name has ``USER_LIMIT`` failures, or the address ``ADDRESS_LIMIT``, within the
last ``WINDOW``; a locked-out attempt is refused without looking at the password, with the
same message whatever the password, and is not counted itself (the lock lifts ``WINDOW``
after the failures that caused it, whatever an attacker keeps trying). A successful login
deletes the user name's failures. Unknown user names are counted like known ones, so the lock
does not tell which names exist.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Table, delete, insert, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import LoginFailure

USER_LIMIT = 5  # failures per user name within the window
ADDRESS_LIMIT = 20  # failures per client address within the window
WINDOW = timedelta(minutes=15)
BEIJING = timedelta(hours=8)  # stored times are UTC; messages show Beijing time

_FAILURES = cast(Table, LoginFailure.__table__)


class LoginLocked(ValueError):
    """Too many failed logins; the message (Chinese) says when to try again."""

    def __init__(self, until: datetime, now: datetime) -> None:
        self.until = until
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        super().__init__(
            f"登录失败次数过多，已暂时锁定。请在{minutes}分钟后"
            f"（北京时间 {until + BEIJING:%H:%M} 之后）再试。"
        )


def _lifted_at(
    session: Session, where: ColumnElement[bool], limit: int, since: datetime
) -> datetime | None:
    times = list(
        session.execute(
            select(_FAILURES.c.at).where(where, _FAILURES.c.at > since).order_by(_FAILURES.c.at)
        ).scalars()
    )
    if len(times) < limit:
        return None
    # Below the limit again once the oldest failures that keep it there leave the window.
    return cast(datetime, times[len(times) - limit]) + WINDOW


def locked_until(session: Session, username: str, ip: str | None, now: datetime) -> datetime | None:
    """When the lock on this user name or address lifts (None: not locked)."""
    since = now - WINDOW
    candidates = [_lifted_at(session, _FAILURES.c.username == username[:64], USER_LIMIT, since)]
    if ip:
        candidates.append(_lifted_at(session, _FAILURES.c.ip == ip[:64], ADDRESS_LIMIT, since))
    lifts = [c for c in candidates if c is not None]
    return max(lifts) if lifts else None


def record_failure(session: Session, username: str, ip: str | None, now: datetime) -> None:
    session.execute(delete(_FAILURES).where(_FAILURES.c.at <= now - WINDOW))
    session.execute(
        insert(_FAILURES).values(at=now, username=username[:64], ip=ip[:64] if ip else None)
    )


def reset_user(session: Session, username: str) -> None:
    session.execute(delete(_FAILURES).where(_FAILURES.c.username == username[:64]))
