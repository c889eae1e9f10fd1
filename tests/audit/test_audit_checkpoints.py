"""Acceptance: an insider with the database alone cannot rewrite the log unnoticed.

Tampering goes around the append-only triggers as a PostgreSQL superuser (or the holder of
an SQLite file) would (``guard_lifted``); ``xinyong audit verify`` must still fail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from xinyong.audit.checkpoints import (
    CheckpointError,
    read_checkpoints,
    verify_with_checkpoints,
    write_checkpoint,
)
from xinyong.audit.guard import guard_lifted
from xinyong.audit.keys import audit_keys
from xinyong.audit.log import GENESIS, Actor, _digested_text, record_event
from xinyong.audit.models import AuditEntry, AuditHead
from xinyong.cli.main import cli

DAY = date(2026, 11, 22)


def _write(session: Session, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        record_event(session, Actor("user:clerk", "10.0.0.5"), "record.view", "subject", i)
    session.commit()


def _verify(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", "verify", "--checkpoints", str(folder)])
    return result.exit_code, result.output


def _rechain(session: Session, mac: object) -> None:
    """What an insider does after deleting entries: renumber what is left 1..n and chain it
    again with ``mac(text) -> hex`` (all they can compute without the key), head included."""
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    values = [
        {c.name: getattr(r, c.name) for c in AuditEntry.__table__.columns if c.name != "seq"}
        for r in rows
    ]
    session.execute(delete(AuditEntry))
    prev = GENESIS
    for seq, row in enumerate(values, start=1):
        row.update(seq=seq, prev_hash=prev)
        row["entry_hash"] = mac(_digested_text(row))  # type: ignore[operator]
        session.add(AuditEntry(**row))
        prev = row["entry_hash"]
    session.flush()
    session.execute(update(AuditHead).values(last_seq=len(values), last_hash=prev))


def _sha256(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    "mac",
    [
        _sha256,
        lambda t: hmac.new(b"k" * 32, t.encode("utf-8"), hashlib.sha256).hexdigest(),
    ],
    ids=["plain-sha256", "hmac-other-key"],
)
def test_deleting_entries_and_recomputing_the_chain_without_the_key_fails_verify(
    session: Session, tmp_path: Path, mac: object
) -> None:
    _write(session, 6)
    with guard_lifted(session.connection()):
        session.execute(delete(AuditEntry).where(AuditEntry.seq.in_([2, 3])))
        _rechain(session, mac)
    session.commit()
    code, out = _verify(tmp_path)  # no checkpoints: the chain alone
    assert code != 0
    assert "篡改" in out and "审计日志校验失败" in out


def test_deleting_the_whole_log_fails_against_the_last_checkpoint(
    session: Session, tmp_path: Path
) -> None:
    _write(session, 3)
    write_checkpoint(session, tmp_path, DAY)
    _write(session, 2, start=3)
    write_checkpoint(session, tmp_path, DAY)
    with guard_lifted(session.connection()):
        session.execute(delete(AuditEntry))
        session.execute(delete(AuditHead))
    session.commit()
    code, out = _verify(tmp_path)
    assert code != 0
    assert "#5 已不在日志中" in out and "#3 已不在日志中" in out


def test_cutting_the_tail_fails_against_a_checkpoint(session: Session, tmp_path: Path) -> None:
    """Deleting the newest entries and moving the head back leaves a chain that verifies
    alone; the checkpoint written before still names the entries."""
    _write(session, 5)
    write_checkpoint(session, tmp_path, DAY)
    with guard_lifted(session.connection()):
        session.execute(delete(AuditEntry).where(AuditEntry.seq > 3))
        third = session.get(AuditEntry, 3)
        assert third is not None
        session.execute(update(AuditHead).values(last_seq=3, last_hash=third.entry_hash))
    session.commit()
    assert verify_with_checkpoints(session, None).problems == []  # the chain alone: fine
    code, out = _verify(tmp_path)
    assert code != 0 and "#5 已不在日志中" in out and "截断" in out


def test_rewriting_with_the_chain_key_fails_against_a_checkpoint(
    session: Session, tmp_path: Path
) -> None:
    """Should the chain key leak (it reaches PostgreSQL with each append), the checkpoints,
    signed with another key that never leaves the application, still catch a rewrite."""
    _write(session, 4)
    write_checkpoint(session, tmp_path, DAY)
    key = audit_keys().chain
    with guard_lifted(session.connection()):
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        _rechain(session, lambda t: hmac.new(key, t.encode("utf-8"), hashlib.sha256).hexdigest())
    session.commit()
    assert verify_with_checkpoints(session, None).problems == []
    code, out = _verify(tmp_path)
    assert code != 0 and "#4 已不在日志中" in out


def test_altering_an_entry_with_the_chain_key_fails_against_a_checkpoint(
    session: Session, tmp_path: Path
) -> None:
    """Nothing deleted: the entry the checkpoint names is there, with another hash."""
    _write(session, 4)
    write_checkpoint(session, tmp_path, DAY)
    key = audit_keys().chain
    with guard_lifted(session.connection()):
        session.execute(text("UPDATE audit_log SET purpose = '改写的用途' WHERE seq = 2"))
        _rechain(session, lambda t: hmac.new(key, t.encode("utf-8"), hashlib.sha256).hexdigest())
    session.commit()
    assert verify_with_checkpoints(session, None).problems == []
    code, out = _verify(tmp_path)
    assert code != 0 and "审计条目 #4 的哈希与检查点" in out and "改写" in out


def test_a_forged_or_altered_checkpoint_fails(session: Session, tmp_path: Path) -> None:
    _write(session, 3)
    _, path = write_checkpoint(session, tmp_path, DAY)
    assert _verify(tmp_path)[0] == 0
    body = json.loads(path.read_text(encoding="utf-8"))
    forged = {**body, "seq": 2, "hash": session.get(AuditEntry, 2).entry_hash}  # type: ignore[union-attr]
    forged_path = tmp_path / "audit-checkpoint-20261123-000000000002.json"
    forged_path.write_text(json.dumps(forged), encoding="utf-8")
    code, out = _verify(tmp_path)
    assert code != 0 and "签名无效" in out and forged_path.name in out
    forged_path.unlink()
    path.write_text(json.dumps({**body, "hash": "0" * 64}), encoding="utf-8")
    code, out = _verify(tmp_path)
    assert code != 0 and "签名无效" in out


def test_an_intact_log_verifies_against_its_checkpoints_in_chinese(
    session: Session, tmp_path: Path
) -> None:
    _write(session, 3)
    write_checkpoint(session, tmp_path, DAY)
    _write(session, 2, start=3)
    write_checkpoint(session, tmp_path, DAY)
    _write(session, 1, start=5)
    code, out = _verify(tmp_path)
    assert code == 0, out
    assert "✓ 审计日志完整：共6条" in out and "与2个检查点一致" in out and "#5" in out


def test_checkpoint_files_are_signed_and_readable_by_the_platform_user_only(
    session: Session, tmp_path: Path
) -> None:
    _write(session, 2)
    folder = tmp_path / "new" / "checkpoints"
    checkpoint, path = write_checkpoint(session, folder, DAY)
    assert (checkpoint.seq, checkpoint.date) == (2, "2026-11-22")
    assert path.name == "audit-checkpoint-20261122-000000000002.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body["hash"] == session.get(AuditEntry, 2).entry_hash  # type: ignore[union-attr]
    valid, problems = read_checkpoints(folder, audit_keys().checkpoint)
    assert [c.seq for c in valid] == [2] and problems == []
    assert read_checkpoints(folder, b"another key")[0] == []


def test_no_checkpoint_vouches_for_a_log_already_tampered_with(
    session: Session, tmp_path: Path
) -> None:
    _write(session, 3)
    write_checkpoint(session, tmp_path, DAY)
    _write(session, 2, start=3)
    with guard_lifted(session.connection()):
        session.execute(text("UPDATE audit_log SET purpose = 'x' WHERE seq = 4"))
    session.commit()
    with pytest.raises(CheckpointError, match="#4"):
        write_checkpoint(session, tmp_path, DAY)
    assert len(list(tmp_path.glob("audit-checkpoint-*.json"))) == 1


def test_checkpoint_command_and_verify_in_chinese(session: Session, tmp_path: Path) -> None:
    _write(session, 2)
    runner = CliRunner()
    done = runner.invoke(cli, ["audit", "checkpoint", "--dir", str(tmp_path)])
    assert done.exit_code == 0 and "已写入检查点：#" in done.output, done.output
    code, out = _verify(tmp_path)
    assert code == 0 and "密钥哈希链校验通过" in out and "检查点一致" in out
    missing = runner.invoke(cli, ["audit", "verify", "--checkpoints", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "不存在" in missing.output
