"""The platform key lives beside the database, and the database knows its fingerprint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import make_person_id, person
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from xinyong.cli.main import cli
from xinyong.db.engine import engine_for, get_engine, normalize_url
from xinyong.privacy.keys import fingerprint
from xinyong.privacy.models import PlatformKey
from xinyong.settings import KEY_FILE, PlatformKeyError, get_settings, reset_settings

USER = ["users", "create", "--role", "auditor", "--password", "long-enough-1", "--username"]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINYONG_SECRET_KEY", raising=False)
    reset_settings()


def _stored(url: str) -> str | None:
    with engine_for(normalize_url(url)).connect() as conn:
        return conn.execute(select(PlatformKey.fingerprint)).scalar_one_or_none()


def test_key_file_beside_the_sqlite_database_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run from another folder uses the same key; no key file appears elsewhere."""
    _no_env_key(monkeypatch)
    db_folder, elsewhere, third = tmp_path / "db", tmp_path / "a", tmp_path / "b"
    for folder in (db_folder, elsewhere, third):
        folder.mkdir()
    url = f"sqlite:///{db_folder / 'city.db'}"
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    monkeypatch.chdir(elsewhere)
    reset_settings()
    code, out = _run("db", "upgrade")
    assert code == 0, out
    key_file = db_folder / KEY_FILE
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _stored(url) == fingerprint(key_file.read_text().strip().encode())
    assert _run(*USER, "first")[0] == 0
    monkeypatch.chdir(third)
    reset_settings()
    code, out = _run(*USER, "second")
    assert code == 0, out
    assert _run("audit", "verify")[0] == 0
    assert not (elsewhere / KEY_FILE).exists() and not (third / KEY_FILE).exists()
    assert get_settings().data_dir == db_folder / "xinyong-data"


def test_a_run_from_another_directory_in_a_subprocess_uses_the_same_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_")}
    environment["XINYONG_DATABASE_URL"] = "sqlite:///./xinyong.db"  # relative, as make demo
    home, other = tmp_path / "home", tmp_path / "other"
    home.mkdir()
    other.mkdir()

    def xinyong(cwd: Path, *args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**environment, **({"XINYONG_DATABASE_URL": url} if url else {})}
        command = [sys.executable, "-m", "xinyong.cli.main", *args]
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)

    assert xinyong(home, "db", "upgrade").returncode == 0
    assert xinyong(home, *USER, "clerk").returncode == 0
    assert (home / KEY_FILE).exists()
    absolute = f"sqlite:///{home / 'xinyong.db'}"
    done = xinyong(other, "audit", "verify", url=absolute)
    assert done.returncode == 0, done.stderr
    assert "审计日志完整" in done.stdout
    assert not (other / KEY_FILE).exists() and not (other / "xinyong.db").exists()


def test_another_key_is_refused_in_chinese_by_commands_and_serve(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(*USER, "clerk")[0] == 0  # records the fingerprint of the test key
    monkeypatch.setenv("XINYONG_SECRET_KEY", "some-other-secret")
    reset_settings()
    for args in (["audit", "verify"], [*USER, "other"], ["serve", "--port", "1"]):
        code, out = _run(*args)
        assert code != 0
        assert "拒绝启动" in out and "密钥指纹不符" in out, out
    with pytest.raises(PlatformKeyError):
        get_engine()


def test_a_missing_key_is_refused_and_no_key_file_is_created_beside_the_database(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(*USER, "clerk")[0] == 0
    _no_env_key(monkeypatch)
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    reset_settings()
    for args in (["db", "upgrade"], ["audit", "verify"]):
        code, out = _run(*args)
        assert code != 0 and "拒绝启动" in out and "不会自动生成新密钥" in out, out
    assert not list(tmp_path.rglob(KEY_FILE))


def test_a_database_with_data_but_no_fingerprint_gets_no_new_key(
    db_url: str, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database from before fingerprints, its key file left elsewhere: refused."""
    person(session, make_person_id())
    session.commit()
    _no_env_key(monkeypatch)
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    reset_settings()
    code, out = _run("audit", "verify")
    assert code != 0 and "数据库中已有依赖密钥的数据" in out
    assert not list(tmp_path.rglob(KEY_FILE))


def test_an_old_database_refuses_a_key_that_cannot_open_its_id_numbers(
    db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    person(session, make_person_id())
    session.commit()
    with engine_for(normalize_url(db_url)).begin() as conn:
        conn.execute(text("DELETE FROM platform_keys"))
    monkeypatch.setenv("XINYONG_SECRET_KEY", "not-the-key-it-was-written-with")
    reset_settings()
    code, out = _run("audit", "verify")
    assert code != 0 and "无法解密数据库中已有的身份证号码密文" in out
    assert _stored(db_url) is None


def test_key_file_of_a_postgresql_database_is_in_the_data_folder(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite keeps its key beside the database file")
    _no_env_key(monkeypatch)
    data = tmp_path / "data"
    monkeypatch.setenv("XINYONG_DATA_DIR", str(data))
    reset_settings()
    code, out = _run("db", "upgrade")  # the test database is fresh: it gets a key
    assert code == 0, out
    assert (data / KEY_FILE).exists() and _stored(db_url) is not None
    assert _run(*USER, "clerk")[0] == 0
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(other)
    monkeypatch.delenv("XINYONG_DATA_DIR")
    reset_settings()
    code, out = _run("audit", "verify")  # ./xinyong-data/xinyong.key is not there
    assert code != 0 and "拒绝启动" in out
    assert not list(other.rglob(KEY_FILE))


def test_make_demo_still_works_without_any_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``make demo``: db upgrade, demo, serve, from one folder, nothing set."""
    _no_env_key(monkeypatch)
    monkeypatch.delenv("XINYONG_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    reset_settings()
    assert _run("db", "upgrade")[0] == 0
    code, out = _run("demo", "--subjects", "30")
    assert code == 0, out
    assert (tmp_path / KEY_FILE).exists() and (tmp_path / "xinyong.db").exists()
    get_engine()  # what serve checks before it starts
    assert _run("audit", "verify")[0] == 0
    engine_for(normalize_url(get_settings().database_url)).dispose()
