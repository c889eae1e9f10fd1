from __future__ import annotations

import hashlib
import hmac

import asyncpg
import pytest
from helpers import run_coroutine
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from xinyong.audit.guard import guard_lifted
from xinyong.audit.keys import audit_keys, keys_for
from xinyong.audit.log import (
    Actor,
    Event,
    _digested_text,
    entry_digest,
    record_event,
    verify_chain,
    write_with_events,
)
from xinyong.audit.models import AuditEntry
from xinyong.db.engine import get_engine
from xinyong.privacy.ids import derive_key


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


def _entries(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return session.query(AuditEntry).order_by(AuditEntry.seq).all()


def _text_of(entry: AuditEntry) -> str:
    return _digested_text({c.name: getattr(entry, c.name) for c in AuditEntry.__table__.columns})


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


def test_entries_are_macs_under_a_key_derived_from_the_platform_secret(session: Session) -> None:
    """Not plain SHA-256: HMAC-SHA256 under HKDF(secret, "audit-chain-mac"); another
    secret gives other MACs."""
    _write(session, 2)
    first, second = _entries(session)
    content = _text_of(first).encode("utf-8")
    assert first.entry_hash != hashlib.sha256(content).hexdigest()
    key = derive_key(b"test-secret-key-not-for-production", b"audit-chain-mac")
    assert key == audit_keys().chain
    assert first.entry_hash == hmac.new(key, content, hashlib.sha256).hexdigest()
    assert second.prev_hash == first.entry_hash
    assert entry_digest(first, keys_for(b"another secret").chain) != first.entry_hash
    assert audit_keys().chain != audit_keys().checkpoint


def test_the_application_cannot_change_or_delete_audit_rows(session: Session) -> None:
    """Triggers refuse UPDATE and DELETE (PostgreSQL: TRUNCATE too) and moving the head back."""
    _write(session, 3)
    postgres = session.get_bind().dialect.name == "postgresql"
    statements = [
        "UPDATE audit_log SET actor = 'user:x' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 3",
        "DELETE FROM audit_log",
        "UPDATE audit_head SET last_seq = 2",
        "DELETE FROM audit_head",
    ]
    if postgres:
        statements += ["TRUNCATE audit_log", "TRUNCATE audit_head"]
    for statement in statements:
        with pytest.raises(Exception, match="审计日志"):
            session.execute(text(statement))
        session.rollback()
    assert len(_entries(session)) == 3
    assert verify_chain(session) == (3, [])


def test_altered_entry_is_named(session: Session) -> None:
    _write(session, 5)
    with guard_lifted(session.connection()):
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="user:x"))
    session.commit()
    _, problems = verify_chain(session)
    assert [p.seq for p in problems] == [3]
    assert "#3" in problems[0].message and "篡改" in problems[0].message


def test_deleted_middle_entry_is_named(session: Session) -> None:
    _write(session, 5)
    with guard_lifted(session.connection()):
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    session.commit()
    _, problems = verify_chain(session)
    assert [p.seq for p in problems] == [2]
    assert "#2" in problems[0].message and "删除" in problems[0].message


def test_deleted_last_entry_is_named(session: Session) -> None:
    _write(session, 4)
    with guard_lifted(session.connection()):
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
    session.commit()
    _, problems = verify_chain(session)
    assert [p.seq for p in problems] == [4]
    assert "#4" in problems[0].message


def test_rewritten_entry_with_recomputed_mac_is_caught_by_the_next_entry(
    session: Session,
) -> None:
    """Even someone holding the key who rewrites one entry breaks the link to the next."""
    _write(session, 4)
    with guard_lifted(session.connection()):
        entry = session.get(AuditEntry, 2)
        assert entry is not None
        entry.purpose = "改写的用途"
        entry.entry_hash = entry_digest(entry)
        session.flush()
    session.commit()
    _, problems = verify_chain(session)
    assert [p.seq for p in problems] == [2]


def _append_in_postgresql(events: list[Event], key: bytes | None = None) -> None:
    async def write() -> None:
        conninfo = get_engine().url.set(drivername="postgresql").render_as_string(False)
        connection = await asyncpg.connect(conninfo)
        try:
            if key is None:
                await write_with_events(connection, events, [])
            else:  # what a caller with another key would write
                from xinyong.audit import log

                original = log.audit_keys
                log.audit_keys = lambda: keys_for(b"not the platform secret")  # type: ignore[assignment]
                try:
                    await write_with_events(connection, events, [])
                finally:
                    log.audit_keys = original  # type: ignore[assignment]
        finally:
            await connection.close()

    run_coroutine(write())


def test_on_postgresql_entries_chained_in_the_database_verify_like_entries_chained_here(
    db_url: str, session: Session
) -> None:
    """The check service chains its entries inside PostgreSQL (``audit_append`` with the key
    as an argument); the result must be the chain Python computes, whatever the text holds."""
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
    _append_in_postgresql([awkward, plain])
    record_event(session, Actor("user:李四"), "record.view", "subject", 8)
    session.commit()
    entries = _entries(session)
    assert [e.target_id for e in entries] == ["7", "c1", "c2", "8"]
    assert entries[1].purpose == awkward.purpose and entries[1].ip is None
    # Python recomputes exactly what the database computed, and pgcrypto's hmac() agrees with
    # Python's on the same text and key.
    for entry in entries:
        assert entry_digest(entry) == entry.entry_hash
    in_db = session.execute(
        text("SELECT encode(hmac(convert_to(:t, 'UTF8'), :k, 'sha256'), 'hex')"),
        {"t": _text_of(entries[1]), "k": audit_keys().chain},
    ).scalar_one()
    assert in_db == entries[1].entry_hash
    assert verify_chain(session) == (4, [])


def test_on_postgresql_entries_chained_with_another_key_do_not_verify(
    db_url: str, session: Session
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("audit_append is a PostgreSQL function")
    _write(session, 1)
    _append_in_postgresql([Event(Actor("system"), "check.run", "credit_check", "c1")], b"x")
    _, problems = verify_chain(session)
    assert [p.seq for p in problems] == [2] and "篡改" in problems[0].message


def test_on_postgresql_audit_append_refuses_a_missing_key(db_url: str, session: Session) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("audit_append is a PostgreSQL function")
    with pytest.raises(Exception, match="密钥"):
        session.execute(text("SELECT audit_append('[]'::json, ''::bytea)"))
    session.rollback()
    with pytest.raises(Exception, match="does not exist"):
        session.execute(text("SELECT audit_append('[]'::json)"))  # the keyless one is gone
    session.rollback()
