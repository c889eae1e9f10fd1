"""``xinyong backup DIR`` and ``xinyong restore DIR``: a copy of the platform that restores.

A backup folder holds the database (SQLite: a copy made with SQLite's online backup API, so
the server keeps serving and writing meanwhile; PostgreSQL: ``pg_dump --format=custom`` from
an exported snapshot), the platform key sealed under ``XINYONG_BACKUP_PASSPHRASE``
(``platform-key.enc``, never in the clear), the signed audit checkpoints, and
``manifest.json``: the migration revision, row counts, a digest of every record version, the
audit head and a SHA-256 of every file. A restore checks the files, puts the database and the
key back, and then checks what it restored against the manifest and the audit chain against
its checkpoints; any difference is an error, not a warning.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from xinyong.clock import utcnow
from xinyong.db.engine import engine_for, normalize_url
from xinyong.ops.keyseal import SealError, check_passphrase, seal, unseal
from xinyong.ops.snapshot import describe
from xinyong.privacy.keys import fingerprint
from xinyong.settings import Settings, sqlite_file

FORMAT = "xinyong-backup/1"
MANIFEST = "manifest.json"
SEALED_KEY = "platform-key.enc"
SQLITE_COPY = "xinyong.db"
PG_DUMP = "xinyong.pgdump"
CHECKPOINTS = "audit-checkpoints"


class BackupError(Exception):
    """A backup or restore cannot go on; the message is in Chinese and names the cause."""


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    checked: dict[str, Any]
    audit_entries: int


def backup(settings: Settings, directory: Path) -> dict[str, Any]:
    """Back the configured database up into ``directory`` (new or empty); the manifest."""
    passphrase = _passphrase(settings)
    directory = directory.resolve()
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"备份目录 {directory} 不是空的，请指定一个新目录")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = normalize_url(settings.database_url)
    if url.startswith("sqlite"):
        state = _backup_sqlite(settings, directory)
    else:
        state = _backup_postgresql(url, directory)
    seal(settings.secret_key, passphrase, directory / SEALED_KEY)
    _copy_checkpoints(settings.audit_checkpoint_dir, directory / CHECKPOINTS)
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "engine": "sqlite" if url.startswith("sqlite") else "postgresql",
        "key_fingerprint": fingerprint(settings.secret_key),
        **state,
        "files": _file_digests(directory),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return manifest


def restore(settings: Settings, directory: Path, *, replace: bool = False) -> Restored:
    """Restore the backup in ``directory`` into the configured database and check it."""
    passphrase = _passphrase(settings)
    directory = directory.resolve()
    manifest = read_manifest(directory)
    try:
        key = unseal(directory / SEALED_KEY, passphrase)
    except SealError as exc:
        raise BackupError(str(exc)) from None
    if key != settings.configured_key and settings.configured_key is not None:
        raise BackupError(
            "XINYONG_SECRET_KEY 与备份中的平台密钥不同：请取消该设置（密钥将写入密钥文件）"
            "或设置为备份时的密钥"
        )
    url = normalize_url(settings.database_url)
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    if engine != manifest["engine"]:
        raise BackupError(f"备份来自 {manifest['engine']} 数据库，不能恢复到 {engine} 数据库")
    if engine == "sqlite":
        _restore_sqlite(settings, directory, replace=replace)
    else:
        _restore_postgresql(url, directory, replace=replace)
    if settings.configured_key is None:
        _put_key_file(settings.key_file, key, replace=replace)
    _copy_checkpoints(directory / CHECKPOINTS, settings.audit_checkpoint_dir)
    return _check_restored(settings, manifest)


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of the backup in ``directory``, once every file matches its digest."""
    try:
        manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory} 不是备份目录：缺少 {MANIFEST}") from None
    except ValueError as exc:
        raise BackupError(f"备份清单 {MANIFEST} 无法读取：{exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')!r} 不是 {FORMAT}")
    found = _file_digests(directory)
    for name, digest in manifest["files"].items():
        if name not in found:
            raise BackupError(f"备份文件 {name} 缺失")
        if found[name] != digest:
            raise BackupError(f"备份文件 {name} 已被改动（SHA-256 与备份清单不符），拒绝恢复")
    return manifest


def _passphrase(settings: Settings) -> str:
    try:
        return check_passphrase(settings.backup_passphrase)
    except SealError as exc:
        raise BackupError(str(exc)) from None


def _backup_sqlite(settings: Settings, directory: Path) -> dict[str, Any]:
    source = sqlite_file(settings.database_url)
    if source is None or not source.exists():
        raise BackupError(f"数据库文件不存在：{settings.database_url}")
    target = directory / SQLITE_COPY
    with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(target) as copy:
        live.backup(copy, pages=4096)  # online: writers wait only for each step
    copy_engine = engine_for(f"sqlite:///{target}")
    try:
        with copy_engine.connect() as connection:
            return describe(connection)
    finally:
        copy_engine.dispose()


def _libpq(url: str) -> str:
    """The libpq form of an SQLAlchemy PostgreSQL URL (no driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(
            f"找不到 {command[0]}：请安装 PostgreSQL 客户端（Debian：postgresql-client）"
        ) from None
    if done.returncode != 0:
        raise BackupError(
            f"{what}失败（{command[0]} 退出码 {done.returncode}）：{done.stderr[-800:]}"
        )


def _backup_postgresql(url: str, directory: Path) -> dict[str, Any]:
    engine = engine_for(url)
    with engine.connect() as connection:
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        command = ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner"]
        _run([*command, f"--file={directory / PG_DUMP}", _libpq(url)], "导出数据库")
        state = describe(connection)  # the very snapshot the dump was taken from
        connection.rollback()
    return state


def _restore_sqlite(settings: Settings, directory: Path, *, replace: bool) -> None:
    target = sqlite_file(settings.database_url)
    if target is None:
        raise BackupError(f"只能恢复到 SQLite 数据库文件：{settings.database_url}")
    if target.exists() and target.stat().st_size > 0 and not replace:
        raise BackupError(f"数据库文件 {target} 已存在：确认覆盖请加 --replace")
    target.parent.mkdir(parents=True, exist_ok=True)
    engine_for.cache_clear()
    with sqlite3.connect(directory / SQLITE_COPY) as copy, sqlite3.connect(target) as live:
        copy.backup(live)  # page by page into the live file, so its WAL stays consistent


def _restore_postgresql(url: str, directory: Path, *, replace: bool) -> None:
    engine = engine_for(url)
    with engine.connect() as connection:
        holds_tables = bool(inspect(connection).get_table_names())
    if holds_tables and not replace:
        raise BackupError("目标数据库中已有数据表：确认覆盖请加 --replace")
    engine.dispose()
    command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
    if holds_tables:
        command += ["--clean", "--if-exists"]
    _run([*command, f"--dbname={_libpq(url)}", str(directory / PG_DUMP)], "恢复数据库")


def _put_key_file(path: Path, key: bytes, *, replace: bool) -> None:
    if path.exists():
        if path.read_bytes().strip() == key:
            return
        if not replace:
            raise BackupError(f"密钥文件 {path} 已存在且与备份中的密钥不同：确认覆盖请加 --replace")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(".restoring")
    temporary.write_bytes(key + b"\n")
    temporary.chmod(0o600)
    temporary.replace(path)


def _copy_checkpoints(source: Path, target: Path) -> None:
    if not source.is_dir():
        return
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    for checkpoint in sorted(source.glob("audit-checkpoint-*.json")):
        if not (target / checkpoint.name).exists():
            shutil.copy2(checkpoint, target / checkpoint.name)


def _file_digests(directory: Path) -> dict[str, str]:
    found = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
            found[path.relative_to(directory).as_posix()] = digest.hexdigest()
    return found


def _check_restored(settings: Settings, manifest: dict[str, Any]) -> Restored:
    from xinyong.audit.checkpoints import verify_with_checkpoints
    from xinyong.db.engine import session_scope
    from xinyong.privacy.keys import ensure_platform_key

    engine_for.cache_clear()
    engine = engine_for(normalize_url(settings.database_url))
    with engine.connect() as connection:
        checked = describe(connection)
    wanted = {k: manifest[k] for k in ("revision", "counts", "records_digest", "audit_head")}
    for name, value in wanted.items():
        if checked[name] != value:
            raise BackupError(f"恢复后的数据库与备份清单不符（{name}）：{checked[name]} ≠ {value}")
    ensure_platform_key(engine, settings)  # the restored key is the database's
    with session_scope(engine) as session:
        log = verify_with_checkpoints(session, settings.audit_checkpoint_dir)
    if log.problems:
        listed = "；".join(p.message for p in log.problems[:5])
        raise BackupError(f"恢复后的审计日志校验未通过：{listed}")
    return Restored(manifest, checked, log.log.count)
