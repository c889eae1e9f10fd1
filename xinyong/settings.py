"""Every setting of the platform, read from environment variables.

Each setting is declared once in ``SETTINGS`` with its default and meaning; the README
documents every one of them (a test fails otherwise).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: str
    meaning: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "XINYONG_DATABASE_URL",
        "sqlite:///./xinyong.db",
        "SQLAlchemy database URL. Unset: an SQLite file in the working directory (WAL mode). "
        "Production: postgresql+psycopg://user@host/db.",
    ),
    SettingSpec(
        "XINYONG_SECRET_KEY",
        "(generated into ./xinyong.key)",
        "Secret used to hash and encrypt personal ID numbers and to sign sessions. Unset: a "
        "random key is generated once into the file xinyong.key in the working directory. "
        "Keep it apart from the database: a database copy alone must not reveal ID numbers.",
    ),
    SettingSpec("XINYONG_HOST", "127.0.0.1", "Address `xinyong serve` listens on."),
    SettingSpec("XINYONG_PORT", "8000", "Port `xinyong serve` listens on."),
    SettingSpec(
        "XINYONG_TODAY",
        "(the real date)",
        "Pretend today is this ISO date (YYYY-MM-DD). For demonstrations and tests only.",
    ),
    SettingSpec(
        "XINYONG_CITY_NAME", "示范市", "City name shown on the portal and in the demo data."
    ),
    SettingSpec(
        "XINYONG_DATA_DIR",
        "./xinyong-data",
        "Folder for files the platform writes: rejected-row files of API batches, exports.",
    ),
    SettingSpec("XINYONG_SESSION_HOURS", "8", "Lifetime of a staff login session, in hours."),
    SettingSpec(
        "XINYONG_TEST_PG_URL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        "Tests only: PostgreSQL server used to create throw-away test databases. Tests run on "
        "PostgreSQL when this is set or when 127.0.0.1:5432 answers.",
    ),
    SettingSpec(
        "XINYONG_TEST_REQUIRE_BROWSER",
        "0",
        "Tests only: 1 makes the browser tests fail instead of skipping when Chromium "
        "(/usr/bin/chromium, Debian package chromium) is missing (CI sets it).",
    ),
    SettingSpec(
        "XINYONG_TEST_REQUIRE_PG",
        "0",
        "Tests only: 1 makes the suite fail instead of skipping when PostgreSQL is unreachable "
        "(CI sets it).",
    ),
)

_DEFAULT_DB_URL = "sqlite:///./xinyong.db"
_KEY_FILE = "xinyong.key"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: bytes
    host: str
    port: int
    today_override: date | None
    city_name: str
    session_hours: int
    data_dir: Path


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def _secret_key() -> bytes:
    value = _env("XINYONG_SECRET_KEY")
    if value:
        return value.encode("utf-8")
    path = Path(_KEY_FILE)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def load_settings() -> Settings:
    today = _env("XINYONG_TODAY")
    return Settings(
        database_url=_env("XINYONG_DATABASE_URL") or _DEFAULT_DB_URL,
        secret_key=_secret_key(),
        host=_env("XINYONG_HOST") or "127.0.0.1",
        port=int(_env("XINYONG_PORT") or "8000"),
        today_override=date.fromisoformat(today) if today else None,
        city_name=_env("XINYONG_CITY_NAME") or "示范市",
        session_hours=int(_env("XINYONG_SESSION_HOURS") or "8"),
        data_dir=Path(_env("XINYONG_DATA_DIR") or "xinyong-data"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (after the environment changed, e.g. in tests)."""
    get_settings.cache_clear()
