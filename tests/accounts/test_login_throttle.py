"""Staff logins: failures counted per user name and per address; unknown names as slow."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import passwords, service
from xinyong.accounts.service import authenticate, create_user
from xinyong.accounts.throttle import ADDRESS_LIMIT, USER_LIMIT, WINDOW, LoginLocked
from xinyong.audit.log import Actor, verify_chain
from xinyong.audit.models import AuditEntry

ACTOR = Actor("cli:test", "local")
PASSWORD = "correct horse"
START = datetime(2026, 11, 22, 2, 0, 0)  # UTC: 10:00 in Beijing


@pytest.fixture(autouse=True)
def cheap_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Cheap argon2 parameters (the timing test keeps the real ones); the dummy hash of
    unknown names is made again with them."""
    if "take_as_long" not in request.node.name:
        monkeypatch.setattr(passwords, "_hasher", PasswordHasher(1, 1024, 1))
    service._dummy_hash.cache_clear()
    yield
    service._dummy_hash.cache_clear()


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        monkeypatch.setattr(service, "utcnow", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _actions(session: Session) -> list[str]:
    return list(
        session.execute(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("login.%"))
            .order_by(AuditEntry.seq)
        ).scalars()
    )


def test_fifth_failure_is_a_wrong_password_sixth_attempt_locked_even_when_right(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    create_user(session, ACTOR, "clerk", PASSWORD, "reviewer")
    for _ in range(USER_LIMIT):
        assert authenticate(session, "clerk", "wrong", "10.0.0.1") is None
        clock.advance(seconds=10)
    with pytest.raises(LoginLocked) as locked:
        authenticate(session, "clerk", PASSWORD, "10.0.0.1")
    right = str(locked.value)
    with pytest.raises(LoginLocked) as locked_wrong:
        authenticate(session, "clerk", "wrong", "10.0.0.2")
    assert str(locked_wrong.value) == right  # the same answer whatever the password
    assert "锁定" in right and "15分钟后" in right and "北京时间 10:15 之后" in right
    # The lock lifts WINDOW after the first failure, not before.
    clock.now = START + WINDOW - timedelta(seconds=1)
    with pytest.raises(LoginLocked):
        authenticate(session, "clerk", PASSWORD, "10.0.0.1")
    clock.now = START + WINDOW
    assert authenticate(session, "clerk", PASSWORD, "10.0.0.1") is not None
    session.commit()
    assert _actions(session) == ["login.failed"] * USER_LIMIT + ["login.locked"] * 3
    assert verify_chain(session)[1] == []


def test_success_resets_the_user_counter(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    create_user(session, ACTOR, "clerk", PASSWORD, "reviewer")
    for _ in range(USER_LIMIT - 1):
        assert authenticate(session, "clerk", "wrong") is None
    assert authenticate(session, "clerk", PASSWORD) is not None
    clock.advance(seconds=1)
    for _ in range(USER_LIMIT):
        assert authenticate(session, "clerk", "wrong") is None
    with pytest.raises(LoginLocked):
        authenticate(session, "clerk", PASSWORD)


def test_an_address_is_locked_after_its_limit_across_user_names(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    Clock(monkeypatch)
    create_user(session, ACTOR, "clerk", PASSWORD, "reviewer")
    for n in range(ADDRESS_LIMIT):
        assert authenticate(session, f"guess{n}", "wrong", "203.0.113.7") is None
    with pytest.raises(LoginLocked):
        authenticate(session, "clerk", PASSWORD, "203.0.113.7")
    assert authenticate(session, "clerk", PASSWORD, "198.51.100.1") is not None


def test_unknown_user_names_are_counted_and_locked_like_known_ones(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    Clock(monkeypatch)
    for _ in range(USER_LIMIT):
        assert authenticate(session, "nobody", "wrong") is None
    with pytest.raises(LoginLocked):
        authenticate(session, "nobody", "wrong")


def test_unknown_user_names_take_as_long_as_known_ones(session: Session) -> None:
    """A password hash is checked either way (a dummy one for unknown names)."""
    for n in range(6):
        create_user(session, ACTOR, f"known{n}", PASSWORD, "reviewer")
    session.commit()
    authenticate(session, "warm-up", "wrong")  # the dummy hash is made once, on first use

    def timed(name: str) -> float:
        started = time.perf_counter()
        assert authenticate(session, name, "wrong") is None
        return time.perf_counter() - started

    known, unknown = [], []
    for n in range(6):  # interleaved, one failure per name: nothing gets locked
        known.append(timed(f"known{n}"))
        unknown.append(timed(f"unknown{n}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    print(f"unknown/known median time ratio {ratio:.2f}")
    assert 0.5 <= ratio <= 2.0, (ratio, known, unknown)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_workbench_login_locks_out_with_the_same_chinese_answer(
    session: Session, client: TestClient
) -> None:
    create_user(session, ACTOR, "li", "long-enough-1", "reviewer")
    session.commit()

    def attempt(password: str) -> tuple[int, str]:
        form = client.get("/workbench/login").text
        answer = client.post(
            "/workbench/login",
            data={"username": "li", "password": password, "csrf_token": _token(form)},
            follow_redirects=False,
        )
        return answer.status_code, answer.text

    for _ in range(USER_LIMIT):
        status, page = attempt("nope")
        assert status == 401 and "用户名或密码不正确" in page
    status, right = attempt("long-enough-1")
    assert status == 429 and "登录失败次数过多" in right and "分钟后" in right
    status, wrong = attempt("nope")
    assert status == 429 and "登录失败次数过多" in wrong
    session.expire_all()
    assert _actions(session) == ["login.failed"] * USER_LIMIT + ["login.locked"] * 2
    failed = session.execute(
        select(AuditEntry).where(AuditEntry.action == "login.failed")
    ).scalars()
    assert {(e.target_id, e.ip) for e in failed} == {("li", "testclient")}
