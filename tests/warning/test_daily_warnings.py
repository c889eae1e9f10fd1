"""The daily warning run: grade falls, penalty surges in an industry, minimum publicity
periods that ended (repair may be asked for), overdue annual reports; and the rules' checks."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import org, penalty_values, save_penalty
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.demo.identities import IdentityMaker
from xinyong.evaluation.tables import GradeChange
from xinyong.subjects.models import Subject
from xinyong.trends.series import surges
from xinyong.warning.detect import run_warnings
from xinyong.warning.events import decision_days_ending
from xinyong.warning.models import CreditWarning
from xinyong.warning.registry import WarningRuleError, load_rules

_ids = IdentityMaker(random.Random(77))


def by_rule(session: Session, rule: str) -> list[CreditWarning]:
    session.expire_all()
    return list(session.execute(select(CreditWarning).where(CreditWarning.rule == rule)).scalars())


def test_a_grade_falling_a_step_warns_the_enterprise_and_a_rise_does_not(session: Session) -> None:
    subject = org(session)
    session.flush()
    for n, (old, new) in enumerate((("A", "B"), ("B", "A"), (None, "C"))):
        session.add(
            GradeChange(
                subject_id=subject.id,
                model="general_enterprise",
                model_version="2025.1",
                old_grade=old,
                grade=new,
                score=Decimal("800"),
                valid_from=date(2026, 11, 20 + n),
                reason="测试",
                digest="0" * 64,
                recorded_at=datetime(2026, 11, 21, 8),
            )
        )
    session.commit()
    run_warnings(session, date(2026, 11, 22))
    session.commit()
    found = by_rule(session, "grade_drop")
    assert {w.recipient for w in found} == {"enterprise", "credit_office"}
    assert all("由 A 降为 B" in w.reason and w.level == "橙" for w in found)
    # The run again (the next day) adds nothing.
    run_warnings(session, date(2026, 11, 23))
    assert len(by_rule(session, "grade_drop")) == len(found)


def test_penalties_far_above_an_industrys_usual_level_warn_the_credit_office(
    session: Session,
) -> None:
    companies = []
    for n in range(8):
        s = org(session, _ids.uscc("91", "440507"), f"示范市批发{n}有限公司")
        s.industry = "F5212"
        companies.append(s)
    session.flush()
    # One penalty a month for a year, then eight in October 2026.
    decided = [date(2025, m, 10) for m in range(10, 13)] + [date(2026, m, 10) for m in range(1, 10)]
    for n, day in enumerate(decided):
        save_penalty(
            session,
            companies[n % 8],
            penalty_values(
                companies[n % 8], ["罚款"], day, f"示市监罚〔{day.year}〕{n + 1}号", "0.2"
            ),
        )
    for n in range(8):
        save_penalty(
            session,
            companies[n],
            penalty_values(
                companies[n], ["罚款"], date(2026, 10, 12), f"示市监罚〔2026〕{100 + n}号", "0.2"
            ),
        )
    session.commit()
    run_warnings(session, date(2026, 11, 22))
    session.commit()
    found = by_rule(session, "penalty_surge")
    assert [(w.group_kind, w.group_code, w.recipient) for w in found] == [
        ("industry", "F", "credit_office")
    ]
    assert "F 批发和零售业2026-10的行政处罚 8 件" in found[0].reason
    assert found[0].evidence["values"][-1] == 8
    assert surges([1] * 12 + [8], 12, 3, 5) == [12]
    assert surges([1] * 12 + [4], 12, 3, 5) == []  # under the minimum count


def test_the_end_of_a_minimum_publicity_period_tells_the_enterprise_it_may_repair(
    session: Session,
) -> None:
    subject = org(session)
    # A general penalty of 2026-08-22 (regime of order 36: 3 months) ends its minimum period
    # on 2026-11-22; one decided a day later does not yet.
    save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 8, 22), "示市监罚〔2026〕81号", "0.2"),
    )
    save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 8, 23), "示市监罚〔2026〕82号", "0.2"),
    )
    session.commit()
    assert date(2026, 8, 22) in decision_days_ending("general", [date(2026, 11, 22)])
    run_warnings(session, date(2026, 11, 22))
    session.commit()
    found = by_rule(session, "repair_available")
    assert [(w.recipient, w.level) for w in found] == [("enterprise", "蓝")]
    assert "示市监罚〔2026〕81号" in found[0].reason and "2026-11-22" in found[0].reason


def test_an_annual_report_not_sent_by_30_june_warns(session: Session) -> None:
    late = org(session, _ids.uscc("91", "440507"), "示范市未报年报有限公司")
    session.commit()
    from helpers import AUTHORITY

    from xinyong.catalog.registry import get_catalog
    from xinyong.records.store import save_record

    save_record(
        session,
        get_catalog().item("registration_basics"),
        late,
        {
            "DJ_MC": late.name,
            "DJ_SHXYM": late.uscc,
            "DJ_ZTLX": "有限责任公司",
            "DJ_FDDBR": "陈一鸣",
            "DJ_CLRQ": "2020-01-01",
            "DJ_ZS": "示范市龙湖区金新路1号",
            "DJ_DJJG": "示范市市场监督管理局",
            "DJ_DJZT": "存续",
            "DJ_SJLY": "示范市市场监督管理局",
            "DJ_SJLYDM": AUTHORITY,
        },
        department_id=None,
    )
    session.commit()
    run_warnings(session, date(2026, 6, 30))  # the due day itself: not yet
    assert by_rule(session, "annual_report_overdue") == []
    run_warnings(session, date(2026, 7, 1))
    found = by_rule(session, "annual_report_overdue")
    assert {w.recipient for w in found} == {"enterprise", "credit_office"}
    assert "尚未报送2025年度报告" in found[0].reason
    subject = session.get(Subject, late.id)
    assert subject is not None


def test_a_rule_without_basis_or_with_an_unknown_value_is_refused(tmp_path: Path) -> None:
    base = Path("xinyong/warning/rules.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "rules.yaml"
    broken.write_text(base.replace("{document}），请依法整改", "{documnet}），请依法整改"), "utf-8")
    with pytest.raises(WarningRuleError, match="引用了“documnet”"):
        load_rules(broken)
    broken.write_text(base.replace("level: 红", "level: 紫", 1), "utf-8")
    with pytest.raises(WarningRuleError, match="level"):
        load_rules(broken)
    broken.write_text(
        base.replace(
            "items: [admin_penalty], severity: serious", "items: [penalty], severity: serious"
        ),
        "utf-8",
    )
    with pytest.raises(WarningRuleError, match="不存在的目录项“penalty”"):
        load_rules(broken)
