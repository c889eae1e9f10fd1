"""Working days of the official Chinese calendar (holidays and adjusted working weekends).

Backed by the chinese-calendar package's published schedules, indexed once so that counting
working days between two dates is a subtraction. A year it does not cover raises
``CalendarGapError`` rather than silently counting weekends.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants


class CalendarGapError(LookupError):
    """The official schedule for a year is not known."""


@lru_cache(maxsize=1)
def _index() -> tuple[date, list[int]]:
    """First covered day, and the running count of working days up to each covered day."""
    years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    first, last = date(min(years), 1, 1), date(max(years), 12, 31)
    running = []
    count = 0
    day = first
    while day <= last:
        count += int(chinese_calendar.is_workday(day))
        running.append(count)
        day += timedelta(days=1)
    return first, running


def calendar_index() -> tuple[date, list[int]]:
    """The first covered day and the running count of working days up to each covered day
    (vectorised counting: working days between two days are a difference of two entries)."""
    return _index()


def _position(day: date) -> int:
    first, running = _index()
    offset = (day - first).days
    if offset < 0 or offset >= len(running):
        raise CalendarGapError(
            f"工作日历未覆盖{day.year}年（国务院办公厅尚未发布或未收录该年节假日安排），"
            f"无法计算涉及{day.isoformat()}的工作日期限"
        )
    return offset


def is_workday(day: date) -> bool:
    position = _position(day)
    running = _index()[1]
    return running[position] - (running[position - 1] if position else 0) == 1


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
    running = _index()[1]
    return running[_position(end)] - running[_position(start)]


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day
