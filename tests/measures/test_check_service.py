"""The check service answers concurrent callers in batches: each caller gets its own answer,
every check is stored and audited once, and one failing request does not fail its batch."""

from __future__ import annotations

import asyncio
import random
import threading
from datetime import date
from typing import Any

import asyncpg
import pytest
from helpers import ACME, black_list_entry, org, run_coroutine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, Event, append_events, verify_chain, write_with_events
from xinyong.audit.models import AuditEntry
from xinyong.db.batcher import AsyncGroupCommit, GroupCommit
from xinyong.db.engine import get_engine
from xinyong.demo.identities import IdentityMaker
from xinyong.measures.checks import CheckRequest
from xinyong.measures.models import CreditCheck
from xinyong.measures.service import check_service, close_check_services

TODAY = date(2026, 11, 22)


def _request(code: str, caller: str) -> CheckRequest:
    return CheckRequest(Actor(caller), None, (code,), "GP", f"资格审查 {caller}", TODAY)


def test_concurrent_checks_each_get_their_own_answer_stored_and_audited(
    session: Session,
) -> None:
    listed = org(session)
    black_list_entry(session, listed, "2029-12-31")
    maker = IdentityMaker(random.Random(3))
    clean = [org(session, maker.uscc("91", "440507"), f"示范市清白{n}有限公司") for n in range(11)]
    session.commit()
    codes = [ACME] + [c.uscc or "" for c in clean]
    requests = [_request(codes[n % len(codes)], f"apikey:caller{n}") for n in range(48)]

    async def all_at_once() -> list[dict[str, Any]]:
        service = check_service(get_engine())
        try:
            return list(await asyncio.gather(*(service.run(r) for r in requests)))
        finally:
            await close_check_services()

    answers = run_coroutine(all_at_once())

    for request, answer in zip(requests, answers, strict=True):
        (result,) = answer["results"]
        assert result["resolved"]["code"] == request.subjects[0]
        assert result["advice"] == ("restrict" if request.subjects[0] == ACME else "clear")
    assert len({a["check_id"] for a in answers}) == 48
    stored = {c.id: c for c in session.execute(select(CreditCheck)).scalars()}
    assert set(stored) == {a["check_id"] for a in answers}
    assert all(stored[a["check_id"]].answer == a for a in answers)
    audited = session.execute(
        select(AuditEntry.target_id, AuditEntry.actor).where(AuditEntry.action == "check.run")
    ).all()
    by_check = {a["check_id"]: r.actor.name for a, r in zip(answers, requests, strict=True)}
    assert sorted(audited) == sorted(by_check.items())
    _, problems = verify_chain(session)
    assert problems == []


def test_a_failing_request_fails_alone_and_its_batch_mates_are_committed_once(
    db_url: str, session: Session
) -> None:
    started = threading.Event()
    release = threading.Event()

    def handler(db: Session, items: list[str]) -> list[str]:
        if items == ["first"]:
            started.set()
            release.wait(10)
        append_events(db, [Event(Actor("cli:test"), "batch.item", "item", i) for i in items])
        if "bad" in items:
            raise ValueError("坏请求")
        return [i.upper() for i in items]

    service: GroupCommit[str, str] = GroupCommit(get_engine(), handler)
    first = service.submit("first")
    assert started.wait(10)
    # These queue up behind the first and form one batch together.
    futures = {name: service.submit(name) for name in ("a", "bad", "b")}
    release.set()
    assert first.result(10) == "FIRST"
    assert futures["a"].result(10) == "A" and futures["b"].result(10) == "B"
    with pytest.raises(ValueError, match="坏请求"):
        futures["bad"].result(10)
    written = session.execute(
        select(AuditEntry.target_id, func.count()).group_by(AuditEntry.target_id)
    ).all()
    assert dict(written) == {"first": 1, "a": 1, "b": 1}
    assert verify_chain(session)[1] == []


def test_on_postgresql_a_failing_request_fails_alone_on_the_event_loop_service(
    db_url: str, session: Session
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the event-loop service serves PostgreSQL only")
    conninfo = get_engine().url.set(drivername="postgresql").render_as_string(False)

    async def handler(connection: asyncpg.Connection, items: list[str]) -> list[str]:
        if "bad" in items:  # fails before its batch commits, as a failed lookup would
            raise ValueError("坏请求")
        await write_with_events(
            connection, [Event(Actor("cli:test"), "batch.item", "item", i) for i in items], []
        )
        return [i.upper() for i in items]

    async def all_at_once() -> list[Any]:
        service: AsyncGroupCommit[str, str] = AsyncGroupCommit(conninfo, handler, connections=1)
        try:
            names = ("a", "b", "bad", "c", "d")
            return list(
                await asyncio.gather(*(service.run(n) for n in names), return_exceptions=True)
            )
        finally:
            await service.close()

    outcomes = run_coroutine(all_at_once())
    assert outcomes[:2] == ["A", "B"] and outcomes[3:] == ["C", "D"]
    assert isinstance(outcomes[2], ValueError)
    written = session.execute(
        select(AuditEntry.target_id, func.count()).group_by(AuditEntry.target_id)
    ).all()
    assert dict(written) == {"a": 1, "b": 1, "c": 1, "d": 1}
    assert verify_chain(session)[1] == []
