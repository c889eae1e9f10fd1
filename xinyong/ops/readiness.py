"""``/readyz``: the database answers and its schema is the code's (every migration applied)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from xinyong.db.migrate import alembic_config


@dataclass(frozen=True)
class Readiness:
    ready: bool
    database: str
    revision: str | None
    expected: str
    reason: str | None = None


@lru_cache(maxsize=1)
def expected_revision() -> str:
    """The newest migration the code ships."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def readiness(engine: Engine) -> Readiness:
    expected = expected_revision()
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # any failure to reach the database means not ready
        reason = f"数据库无法访问：{type(exc).__name__}"
        return Readiness(False, "unavailable", None, expected, reason)
    if revision != expected:
        reason = f"数据库迁移版本 {revision} 不是最新的 {expected}：请运行 xinyong db upgrade"
        return Readiness(False, "ok", revision, expected, reason)
    return Readiness(True, "ok", revision, expected)
