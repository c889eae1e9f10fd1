from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.demo.city import DemoError, build_city
from xinyong.demo.government import GOVERNMENT_SUBJECTS
from xinyong.identifiers.check import check_code
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


def test_demo_city_is_realistic(demo_city: Session) -> None:
    subjects = demo_city.execute(select(Subject)).scalars().all()
    assert len(subjects) == 300 + GOVERNMENT_SUBJECTS
    kinds = Counter(s.kind for s in subjects)
    assert kinds["enterprise"] > kinds["individual_business"] > 0
    assert kinds["natural_person"] > 0
    assert all(check_code(s.uscc).valid for s in subjects if s.uscc)
    penalties = Counter(
        demo_city.execute(select(Record.subject_id).where(Record.item == "admin_penalty")).scalars()
    )
    assert len(penalties) < len(subjects) / 4, "most subjects are clean"
    assert max(penalties.values()) >= 3, "a few subjects carry many penalties"
    items = set(demo_city.execute(select(Record.item).distinct()).scalars())
    assert {"black_list", "red_list", "admin_license", "registration_basics"} <= items


def test_dual_publicity_records_are_mostly_published(demo_city: Session) -> None:
    total, published = demo_city.execute(
        select(func.count(), func.count(Record.published_at)).where(
            Record.item.in_(["admin_penalty", "admin_license"])
        )
    ).one()
    assert total > 0 and published / total > 0.9


def test_demo_refuses_to_load_twice(demo_city: Session) -> None:
    from datetime import date

    with pytest.raises(DemoError, match="已有"):
        build_city(demo_city, get_catalog(), "示范市", date(2026, 11, 22), subjects=10)


def test_the_demo_city_has_government_bodies_with_integrity_records(demo_city: Session) -> None:
    from xinyong.evaluation.tables import EvaluationGrade

    bodies = demo_city.execute(select(Subject).where(Subject.kind == "government_body")).scalars()
    ids = {b.id for b in bodies}
    assert len(ids) == 8
    items = Counter(
        demo_city.execute(select(Record.item).where(Record.subject_id.in_(ids))).scalars()
    )
    assert items["gov_arrears"] == 6
    assert {"gov_breach", "gov_court_nonexecution", "dishonest_judgment_debtor"} <= set(items)
    grades = Counter(
        demo_city.execute(
            select(EvaluationGrade.grade).where(EvaluationGrade.model == "gov_integrity")
        ).scalars()
    )
    # Overdue arrears (2 bodies) and a dishonest judgment debtor: three dishonest bodies.
    assert grades["D"] == 3 and sum(grades.values()) == 8
    files = demo_city.execute(
        select(func.count()).where(Record.item == "civil_servant_integrity")
    ).scalar_one()
    assert files == 4
