"""Working days of the official Chinese calendar (holidays and adjusted working weekends).

Backed by the chinese-calendar package's published schedules. A year it does not cover raises
``CalendarGapError`` rather than silently counting weekends.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


class CalendarGapError(LookupError):
    """The official schedule for a year is not known."""


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarGapError(
            f"工作日历未覆盖{day.year}年（国务院办公厅尚未发布或未收录该年节假日安排），"
            f"无法计算涉及{day.isoformat()}的工作日期限"
        ) from exc


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count
