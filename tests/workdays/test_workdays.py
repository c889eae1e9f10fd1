from __future__ import annotations

from datetime import date

import pytest

from xinyong.workdays import CalendarGapError, add_working_days, is_workday, working_days_between


def test_national_day_holiday_is_not_a_working_day() -> None:
    assert not is_workday(date(2025, 10, 1))
    assert not is_workday(date(2025, 10, 8))
    assert is_workday(date(2025, 9, 28))  # adjusted working Sunday


def test_seven_working_days_across_national_day() -> None:
    # Decided 2025-09-29 (Mon): 30 Sep is a working day, 1-8 Oct are holidays,
    # 11 Oct (Sat) is an adjusted working day.
    assert add_working_days(date(2025, 9, 29), 7) == date(2025, 10, 15)


def test_spring_festival_is_skipped() -> None:
    # 2026: Sat 14 Feb is an adjusted working day, 15-23 Feb are holidays.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_working_days_between_counts_both_ways() -> None:
    assert working_days_between(date(2026, 5, 11), date(2026, 5, 15)) == 4
    assert working_days_between(date(2026, 5, 15), date(2026, 5, 11)) == -4


def test_uncovered_year_fails_loudly_in_chinese() -> None:
    with pytest.raises(CalendarGapError, match="未覆盖2099年"):
        is_workday(date(2099, 1, 5))
