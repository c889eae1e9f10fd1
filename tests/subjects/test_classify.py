"""Industry (GB/T 4754) and district on subjects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.subjects.classify import (
    IndustryCodeError,
    classify_subjects,
    district_of,
    industry_code,
    section_name,
)
from xinyong.subjects.models import Subject


def test_industry_codes_take_their_section_letter() -> None:
    assert industry_code("5212") == "F5212"
    assert industry_code(" f5212 ") == "F5212"
    assert industry_code("C13") == "C13"
    assert industry_code("A0511") == "A0511"  # division 05 is the last of section A
    assert industry_code("B0610") == "B0610"  # division 06 is the first of section B
    assert section_name("F5212") == "F 批发和零售业"
    assert section_name(None) == "未分类"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("A0610", "大类 06 属于门类 B（采矿业），不属于门类 A"),
        ("9812", "大类 98 不存在"),
        ("零售", "应为门类字母加两至四位数字"),
        ("F521234", "应为门类字母加两至四位数字"),
    ],
)
def test_wrong_industry_codes_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(IndustryCodeError, match=reason):
        industry_code(raw)


def test_district_from_the_code_then_the_address() -> None:
    assert district_of("440511", None) == "440511"
    assert district_of("440500", "汕头市潮阳区棉城镇1号") == "440513"  # city-level code
    assert district_of("110101", "北京市东城区") is None


def test_demo_city_subjects_carry_industry_and_district(demo_city: Session) -> None:
    session = demo_city
    orgs = session.execute(
        select(func.count()).select_from(Subject).where(Subject.kind != "natural_person")
    ).scalar_one()
    with_industry = session.execute(
        select(func.count()).select_from(Subject).where(Subject.industry.is_not(None))
    ).scalar_one()
    with_district = session.execute(
        select(func.count()).select_from(Subject).where(Subject.district.is_not(None))
    ).scalar_one()
    assert with_industry >= orgs * 0.9  # every organisation with a registration record
    assert with_district >= orgs
    # Running again changes nothing; a changed registration is picked up.
    assert classify_subjects(session).changed == 0
