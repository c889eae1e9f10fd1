"""The restore drill: back up a city, destroy its database, restore, and compare.

Record digests, counts and the audit chain (against its signed checkpoint) must be the same
after the restore; a changed byte in the backup, a wrong passphrase or an occupied target is
refused in Chinese. SQLite is backed up while a writer keeps writing.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.audit.checkpoints import write_checkpoint
from xinyong.audit.log import Actor, record_event
from xinyong.cli.main import cli
from xinyong.db.engine import engine_for, normalize_url, session_scope
from xinyong.ops.backup import BackupError, backup, restore
from xinyong.ops.snapshot import describe
from xinyong.settings import get_settings, reset_settings, sqlite_file

PASSPHRASE = "演练口令-restore-drill-2026"


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("XINYONG_BACKUP_PASSPHRASE", PASSPHRASE)
    reset_settings()
    return PASSPHRASE


def _state(url: str) -> dict[str, object]:
    with engine_for(normalize_url(url)).connect() as connection:
        return describe(connection)


def _destroy(url: str) -> None:
    engine = engine_for(normalize_url(url))
    engine.dispose()
    path = sqlite_file(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    engine_for.cache_clear()


def _city_with_checkpoint(session: Session) -> None:
    record_event(session, Actor("cli:drill"), "ops.drill", "city", "示范市")
    session.commit()
    write_checkpoint(session, get_settings().audit_checkpoint_dir, date(2026, 11, 22))
    session.commit()


def test_the_restore_drill_gives_back_every_record_and_the_audit_chain(
    demo_city: Session, db_url: str, tmp_path: Path, passphrase: str
) -> None:
    _city_with_checkpoint(demo_city)
    before = _state(db_url)
    assert before["counts"]["records"] > 1000  # type: ignore[index]
    demo_city.close()
    made = CliRunner().invoke(cli, ["backup", str(tmp_path / "backup")])
    assert made.exit_code == 0, made.output
    assert "已备份到" in made.output
    sealed = (tmp_path / "backup" / "platform-key.enc").read_text("utf-8")
    assert "test-secret-key" not in sealed  # the key travels encrypted only
    _destroy(db_url)
    restored = CliRunner().invoke(cli, ["restore", str(tmp_path / "backup")])
    assert restored.exit_code == 0, restored.output
    assert "记录摘要一致" in restored.output and "校验通过" in restored.output
    after = _state(db_url)
    # the restore's own audit entry follows the restored head
    assert after["records_digest"] == before["records_digest"]
    assert after["counts"]["records"] == before["counts"]["records"]  # type: ignore[index]
    assert after["audit_head"]["seq"] == before["audit_head"]["seq"] + 2  # type: ignore[index]


def test_a_changed_byte_or_a_wrong_passphrase_is_refused(
    demo_city: Session,
    db_url: str,
    tmp_path: Path,
    passphrase: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    demo_city.close()
    folder = tmp_path / "backup"
    manifest = backup(get_settings(), folder)
    data = next(folder / name for name in manifest["files"] if name.startswith("xinyong."))
    monkeypatch.setenv("XINYONG_BACKUP_PASSPHRASE", "另一个口令-another-one")
    reset_settings()
    with pytest.raises(BackupError, match="不是备份时的口令"):
        restore(get_settings(), folder, replace=True)
    monkeypatch.setenv("XINYONG_BACKUP_PASSPHRASE", PASSPHRASE)
    reset_settings()
    with pytest.raises(BackupError, match="确认覆盖请加 --replace"):
        restore(get_settings(), folder)
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    with pytest.raises(BackupError, match=f"备份文件 {data.name} 已被改动"):
        restore(get_settings(), folder, replace=True)


def test_without_a_passphrase_nothing_is_written(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XINYONG_BACKUP_PASSPHRASE", raising=False)
    reset_settings()
    done = CliRunner().invoke(cli, ["backup", str(tmp_path / "backup")])
    assert done.exit_code != 0 and "XINYONG_BACKUP_PASSPHRASE" in done.output
    assert not (tmp_path / "backup").exists()
    monkeypatch.setenv("XINYONG_BACKUP_PASSPHRASE", "short")
    reset_settings()
    with pytest.raises(BackupError, match="至少需要 12 个字符"):
        backup(get_settings(), tmp_path / "backup")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_is_backed_up_while_a_writer_keeps_writing(
    demo_city: Session, db_url: str, tmp_path: Path, passphrase: str
) -> None:
    demo_city.close()
    stop = threading.Event()
    written = 0

    def keep_writing() -> None:
        nonlocal written
        engine = engine_for(normalize_url(db_url))
        while not stop.is_set():
            with session_scope(engine) as session:
                record_event(session, Actor("cli:writer"), "ops.drill", "city", written)
            written += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        manifest = backup(get_settings(), tmp_path / "backup")
    finally:
        stop.set()
        writer.join()
    assert written > 0
    _destroy(db_url)
    restored = restore(get_settings(), tmp_path / "backup")
    # the copy is one consistent moment: its audit chain verifies and matches its manifest
    assert restored.checked["audit_head"] == manifest["audit_head"]
    assert restored.checked["records_digest"] == manifest["records_digest"]
