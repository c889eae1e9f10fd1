"""The platform key and the database it belongs to.

Without XINYONG_SECRET_KEY the key is the file ``xinyong.key`` beside the SQLite database (in
XINYONG_DATA_DIR for other databases), never in the working directory. The database records
the key's fingerprint (``platform_keys``); a process whose key differs, or that has no key
while the database has a fingerprint or holds data, refuses to open it. A key file is
generated only for a fresh database: no tables yet, or migrated with nothing written that
depends on the key (no subjects, no audit entries).
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import cast

from cryptography.exceptions import InvalidTag
from sqlalchemy import Connection, Engine, Table, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from xinyong.clock import utcnow
from xinyong.privacy.ids import IdProtector, derive_key
from xinyong.privacy.models import PlatformKey
from xinyong.settings import PlatformKeyError, Settings, read_key_file

_ROW_ID = 1
_KEYS = cast(Table, PlatformKey.__table__)
# Tables whose rows depend on the key: a database holding any is not fresh.
_KEYED_TABLES = ("subjects", "audit_log")


def fingerprint(secret: bytes) -> str:
    """A value derived from the key that identifies it without revealing it."""
    return derive_key(secret, b"platform-key-fingerprint").hex()


def _stored(connection: Connection) -> str | None:
    return connection.execute(
        select(_KEYS.c.fingerprint).where(_KEYS.c.id == _ROW_ID)
    ).scalar_one_or_none()


def _fresh(connection: Connection, tables: set[str]) -> bool:
    """Nothing written yet that depends on the key (the names are constants)."""
    return all(
        connection.exec_driver_sql(f"SELECT 1 FROM {name} LIMIT 1").first() is None
        for name in _KEYED_TABLES
        if name in tables
    )


def _write_key_file(path: Path) -> bytes:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting on the same fresh database do not make two keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key_file(path)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key.encode("utf-8")


def _missing(settings: Settings, why: str) -> PlatformKeyError:
    return PlatformKeyError(
        f"拒绝启动：{why}，但未设置 XINYONG_SECRET_KEY，密钥文件 {settings.key_file} 也不存在。"
        "为免生成新密钥后已存的身份证号码哈希对不上、密文无法解密，不会自动生成新密钥。"
        "请设置 XINYONG_SECRET_KEY，或把该数据库的密钥文件放回原处（SQLite 数据库的密钥文件"
        "在数据库文件所在目录）。"
    )


def _mismatch(settings: Settings, why: str = "与数据库记录的密钥指纹不符") -> PlatformKeyError:
    source = "XINYONG_SECRET_KEY" if settings.configured_key is not None else str(settings.key_file)
    return PlatformKeyError(
        f"拒绝启动：平台密钥（{source}）{why}，"
        "说明这不是写入该数据库时使用的密钥。请使用原来的密钥。"
    )


def _probe(connection: Connection, key: bytes, settings: Settings) -> None:
    """Before a database's first fingerprint is recorded: the key must open an ID number it
    already holds (a database from before fingerprints, whose key file was elsewhere)."""
    row = connection.exec_driver_sql(
        "SELECT person_hash, person_id_enc FROM subjects WHERE person_id_enc IS NOT NULL LIMIT 1"
    ).first()
    if row is None:
        return
    protector = IdProtector(key)
    try:
        opened = protector.lookup_hash(protector.decrypt(row.person_id_enc)) == row.person_hash
    except (InvalidTag, ValueError):
        opened = False
    if not opened:
        raise _mismatch(settings, "无法解密数据库中已有的身份证号码密文")


def _available_key(settings: Settings) -> bytes | None:
    if settings.configured_key is not None:
        return settings.configured_key
    try:
        return read_key_file(settings.key_file)
    except FileNotFoundError:
        return None


def check_platform_key(engine: Engine, settings: Settings, *, upgrading: bool = False) -> None:
    """Refuse (``PlatformKeyError``, in Chinese) a key that is not the database's.

    Records the fingerprint when the database has none yet. Generates a key file only for a
    fresh database. ``upgrading``: called by ``xinyong db upgrade`` before the migrations, so
    a database without tables counts as fresh (its fingerprint is recorded after them).
    Without ``upgrading`` a database not yet migrated to the ``platform_keys`` table is left
    alone (nothing to compare with; the upgrade records it).
    """
    with engine.begin() as connection:
        tables = set(inspect(connection).get_table_names())
        has_keys = _KEYS.name in tables
        if not has_keys and not upgrading:
            return
        stored = _stored(connection) if has_keys else None
        key = _available_key(settings)
        if key is None:
            if stored is not None:
                raise _missing(settings, "数据库已记录平台密钥指纹")
            if not _fresh(connection, tables):
                raise _missing(settings, "数据库中已有依赖密钥的数据")
            key = _write_key_file(settings.key_file)
        mine = fingerprint(key)
        if stored is None and "subjects" in tables:
            _probe(connection, key, settings)
        if stored is None and has_keys:
            insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
            connection.execute(
                insert(_KEYS)
                .values(id=_ROW_ID, fingerprint=mine, recorded_at=utcnow())
                .on_conflict_do_nothing()
            )
            stored = _stored(connection)
        if stored is not None and not hmac.compare_digest(stored, mine):
            raise _mismatch(settings)


_checked: dict[Engine, Settings] = {}


def ensure_platform_key(engine: Engine, settings: Settings) -> None:
    """``check_platform_key`` once per engine and settings (``get_engine`` calls this)."""
    if _checked.get(engine) is settings:
        return
    check_platform_key(engine, settings)
    _checked[engine] = settings
