"""Migration 0015 brings an existing plain SHA-256 chain over to the keyed chain."""

from __future__ import annotations

import hashlib
import json

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.audit.log import GENESIS, Actor, _digested_text, record_event, verify_log
from xinyong.audit.models import AuditEntry
from xinyong.db.engine import engine_for, normalize_url, session_factory
from xinyong.db.migrate import alembic_config, upgrade
from xinyong.settings import PlatformKeyError, reset_settings


def _old_chain_problems(url: str) -> list[int]:
    """The 0013 verifier, in short: seqs whose SHA-256 or link does not hold."""
    with engine_for(normalize_url(url)).connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_log ORDER BY seq")).mappings().all()
    bad, prev = [], GENESIS
    for row in rows:
        values = dict(row)
        if isinstance(values["at"], str):
            from datetime import datetime

            values["at"] = datetime.fromisoformat(values["at"])
        content = _digested_text(values).encode("utf-8")
        if hashlib.sha256(content).hexdigest() != row["entry_hash"] or row["prev_hash"] != prev:
            bad.append(row["seq"])
        prev = row["entry_hash"]
    return bad


def _write(session: Session, n: int) -> None:
    for i in range(n):
        record_event(session, Actor("user:clerk", "10.0.0.5"), "record.view", "subject", i)
    session.commit()
    session.close()


def _fresh_session(url: str) -> Session:
    return session_factory(engine_for(normalize_url(url)))()


def test_an_existing_sha256_chain_is_verified_and_rekeyed_by_the_migration(
    db_url: str, session: Session
) -> None:
    _write(session, 3)
    config = alembic_config(db_url)
    command.downgrade(config, "0014")  # back to the plain SHA-256 chain
    assert _old_chain_problems(db_url) == []
    upgrade(db_url)
    with _fresh_session(db_url) as again:
        found = verify_log(again)
        assert (found.count, found.problems) == (4, [])
        rekey = again.get(AuditEntry, 4)
        assert rekey is not None and rekey.action == "audit.rekey"
        detail = json.loads(rekey.detail)
        assert detail["entries"] == 3 and detail["problems"] == []
        assert detail["sha256_head"]["seq"] == 3
        assert any("旧 SHA-256" in note for note in found.notes)
        record_event(again, Actor("system"), "after", "x", 1)  # the chain goes on
        again.commit()
        assert verify_log(again).problems == []


def test_problems_of_the_old_chain_are_kept_when_it_is_rekeyed(
    db_url: str, session: Session
) -> None:
    """Altered content is recorded in the re-key entry; deleted entries keep their gap."""
    _write(session, 4)
    config = alembic_config(db_url)
    command.downgrade(config, "0014")
    with engine_for(normalize_url(db_url)).begin() as conn:  # no triggers before 0015
        conn.execute(text("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 1"))
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    upgrade(db_url)
    with _fresh_session(db_url) as again:
        found = verify_log(again)
        detail = json.loads(again.get(AuditEntry, 5).detail)  # type: ignore[union-attr]
        assert any("#1" in p and "篡改" in p for p in detail["problems"])
        assert any("#3" in p for p in detail["problems"])
        assert [p.seq for p in found.problems] == [3]  # the gap is still reported
        assert any("#1" in note for note in found.notes)


def test_the_migration_refuses_to_rekey_without_the_platform_key(
    db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(session, 2)
    command.downgrade(alembic_config(db_url), "0014")
    monkeypatch.delenv("XINYONG_SECRET_KEY")
    reset_settings()
    with pytest.raises(PlatformKeyError, match="找不到平台密钥"):
        upgrade(db_url)
    assert _old_chain_problems(db_url) == []  # nothing half done
