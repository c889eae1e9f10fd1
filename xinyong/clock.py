"""The platform's notion of now and today (overridable with XINYONG_TODAY)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from xinyong.settings import get_settings


def utcnow() -> datetime:
    """Current UTC time as a naive datetime (stored identically on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    override = get_settings().today_override
    return override if override is not None else date.today()
