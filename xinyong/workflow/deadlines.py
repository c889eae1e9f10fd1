"""Deadlines from the dated rule table deadlines.yaml, counted on the official calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from xinyong.workdays import add_working_days, working_days_between

RULES_FILE = Path(__file__).parent / "deadlines.yaml"


@dataclass(frozen=True)
class Deadline:
    name: str
    label: str
    working_days: int | None
    calendar_days: int | None

    def due(self, start: date) -> date:
        if self.working_days is not None:
            return add_working_days(start, self.working_days)
        return start + timedelta(days=self.calendar_days or 0)


@lru_cache(maxsize=1)
def _versions() -> list[dict[str, Any]]:
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return sorted(raw["versions"], key=lambda v: v["effective_from"])


def deadline(name: str, on: date) -> Deadline:
    """The deadline rule ``name`` in force on ``on``."""
    versions = [v for v in _versions() if v["effective_from"] <= on]
    if not versions:
        raise LookupError(f"没有适用于 {on.isoformat()} 的期限规则")
    body = versions[-1]["deadlines"][name]
    return Deadline(name, body["label"], body.get("working_days"), body.get("calendar_days"))


def due_date(name: str, start: date) -> date:
    return deadline(name, start).due(start)


def days_left(due: date, today: date) -> int:
    """Working days left before ``due`` (negative: working days overdue)."""
    return working_days_between(today, due)


def describe(due: date, today: date) -> str:
    left = days_left(due, today)
    if left > 0:
        return f"剩余{left}个工作日"
    if left == 0:
        return "今日到期"
    return f"已超期{-left}个工作日"
