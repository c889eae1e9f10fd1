from __future__ import annotations

from datetime import date

import pytest

from xinyong.workflow import TransitionError, machines
from xinyong.workflow.deadlines import describe, due_date


def test_objection_decided_within_five_working_days_across_national_day() -> None:
    # Mon 29 Sep 2025: 30 Sep, 9 Oct, 10 Oct, Sat 11 Oct (adjusted working day), Mon 13 Oct.
    assert due_date("decide_objection", date(2025, 9, 29)) == date(2025, 10, 13)


def test_dual_publicity_seven_working_days_across_national_day_2026() -> None:
    # Wed 30 Sep 2026, holidays 1-7 Oct, Sat 10 Oct worked.
    assert due_date("publish_decision", date(2026, 9, 30)) == date(2026, 10, 15)


def test_repair_decided_within_ten_working_days_across_spring_festival() -> None:
    # Thu 12 Feb 2026: 13, Sat 14 (worked), 24, 25, 26, 27, Sat 28 (worked), 2, 3, 4 Mar.
    assert due_date("decide_repair", date(2026, 2, 12)) == date(2026, 3, 4)


def test_list_report_deadline_across_spring_festival() -> None:
    assert due_date("report_list_recognition", date(2026, 2, 10)) == date(2026, 3, 2)


def test_withdrawal_counts_calendar_days() -> None:
    assert due_date("withdraw_published_penalty", date(2026, 9, 30)) == date(2026, 10, 3)


def test_days_left_and_overdue_are_shown_in_working_days() -> None:
    assert describe(date(2026, 11, 27), date(2026, 11, 22)) == "剩余5个工作日"
    assert describe(date(2026, 11, 18), date(2026, 11, 23)) == "已超期3个工作日"


def test_transitions_are_data_and_illegal_ones_are_named() -> None:
    objection = machines()["objection"]
    objection.check("submitted", "accepted")
    with pytest.raises(TransitionError, match="不能从“已提交”变为“已办结”"):
        objection.check("submitted", "closed")
    with pytest.raises(TransitionError, match="已是终态"):
        machines()["repair"].check("approved", "rejected")
