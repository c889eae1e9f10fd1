from __future__ import annotations

import asyncpg
import pytest
from helpers import run_coroutine
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, Event, record_event, verify_chain, write_with_events
from xinyong.audit.models import AuditEntry
from xinyong.db.engine import get_engine


def _write(session: Session, n: int) -> None:
    for i in range(n):
        record_event(
            session,
            Actor("user:clerk", "10.0.0.5"),
            "record.update",
            "record",
            i,
            purpose="核实异议",
            detail={"i": i},
        )
    session.commit()


def test_intact_log_verifies(session: Session) -> None:
    _write(session, 5)
    count, problems = verify_chain(session)
    assert count == 5
    assert problems == []


def test_entries_carry_who_what_when_where_why(session: Session) -> None:
    _write(session, 1)
    entry = session.get(AuditEntry, 1)
    assert entry is not None
    assert (entry.actor, entry.action, entry.target_id, entry.ip, entry.purpose) == (
        "user:clerk",
        "record.update",
        "0",
        "10.0.0.5",
        "核实异议",
    )


def test_altered_entry_is_named(session: Session) -> None:
    _write(session, 5)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="user:someone"))
    session.commit()
    _, problems = verify_chain(session)
    assert [p.seq for p in problems] == [3]
    assert "#3" in problems[0].message and "篡改" in problems[0].message


def test_deleted_middle_entry_is_named(session: Session) -> None:
    _write(session, 5)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    session.commit()
    _, problems = verify_chain(session)
    assert [p.seq for p in problems] == [2]
    assert "#2" in problems[0].message and "删除" in problems[0].message


def test_deleted_last_entry_is_named(session: Session) -> None:
    _write(session, 4)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
    session.commit()
    _, problems = verify_chain(session)
    assert [p.seq for p in problems] == [4]
    assert "#4" in problems[0].message


def test_rewritten_entry_with_recomputed_hash_is_caught(session: Session) -> None:
    from xinyong.audit.log import entry_digest

    _write(session, 4)
    entry = session.get(AuditEntry, 2)
    assert entry is not None
    entry.purpose = "改写的用途"
    entry.entry_hash = entry_digest(entry)
    session.commit()
    _, problems = verify_chain(session)
    assert [p.seq for p in problems] == [2]


def test_on_postgresql_entries_chained_in_the_database_verify_like_entries_chained_here(
    db_url: str, session: Session
) -> None:
    """The check service chains its entries inside PostgreSQL (``audit_append``); the result
    must be the chain Python computes, whatever the text holds, so verification passes."""
    if not db_url.startswith("postgresql"):
        pytest.skip("audit_append is a PostgreSQL function")
    record_event(session, Actor("user:张三", "10.0.0.1"), "record.view", "subject", 7)
    session.commit()
    awkward = Event(
        Actor("apikey:ab12", None),
        "check.run",
        "credit_check",
        "c1",
        purpose="采购“资格审查”\\ 第2号 '引号'\n换行",
        detail={"advice": ["restrict"], "说明": "全角／半角 ＡＢＣ", "n": 3},
    )
    plain = Event(Actor("system"), "check.run", "credit_check", "c2")

    async def write() -> None:
        conninfo = get_engine().url.set(drivername="postgresql").render_as_string(False)
        connection = await asyncpg.connect(conninfo)
        try:
            await write_with_events(connection, [awkward, plain], [])
        finally:
            await connection.close()

    run_coroutine(write())
    record_event(session, Actor("user:李四"), "record.view", "subject", 8)
    session.commit()
    entries = session.query(AuditEntry).order_by(AuditEntry.seq).all()
    assert [e.target_id for e in entries] == ["7", "c1", "c2", "8"]
    assert entries[1].purpose == awkward.purpose and entries[1].ip is None
    assert verify_chain(session) == (4, [])
