"""Special reports in place of no-violation certificates (信用代证): the chosen domains and
period decide exactly which penalties are listed; repaired ones are marked 已修复."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import org
from report_builders import ACTOR, TODAY, department, penalty, rows_of
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.reports.domains import domain_book
from xinyong.reports.service import ReportError, ReportRequest, issue_report


def _special(session: Session, code: str, domains: list[str], years: int | None) -> dict:
    asked = ReportRequest(
        kind="special", code=code, purpose="申请上市", domains=domains, years=years
    )
    return issue_report(session, ACTOR, asked, get_catalog(), TODAY)[1]


def test_two_domains_and_three_years_list_exactly_their_penalties(session: Session) -> None:
    subject = org(session)
    housing = department(session, "住房和城乡建设局")
    reform = department(session, "发展和改革局")
    market = department(session, "市场监督管理局")
    # Three years to 2026-11-22: from 2023-11-23, both ends included.
    penalty(session, subject, housing, "示建罚〔2023〕1号", date(2023, 11, 23))
    penalty(session, subject, housing, "示建罚〔2023〕0号", date(2023, 11, 22))  # a day early
    penalty(session, subject, housing, "示建罚〔2026〕9号", date(2026, 11, 22))
    penalty(session, subject, reform, "示发改罚〔2025〕3号", date(2025, 6, 1))
    penalty(session, subject, market, "示市监罚〔2025〕4号", date(2025, 6, 1))  # other domain
    repaired = penalty(session, subject, housing, "示建罚〔2024〕5号", date(2024, 3, 1))
    repaired.status = "repaired"
    withdrawn = penalty(session, subject, housing, "示建罚〔2024〕6号", date(2024, 4, 1))
    withdrawn.status = "withdrawn"
    session.flush()

    content = _special(
        session, subject.uscc or "", ["housing_construction", "development_reform"], 3
    )
    rows = rows_of(content, "admin_penalty")
    listed = sorted(r[2].split("行政处罚决定书文号：")[1].split("；")[0] for r in rows)
    assert listed == sorted(
        ["示建罚〔2023〕1号", "示建罚〔2026〕9号", "示发改罚〔2025〕3号", "示建罚〔2024〕5号"]
    )
    marks = {r[2].split("行政处罚决定书文号：")[1].split("；")[0]: r[-1] for r in rows}
    assert marks["示建罚〔2024〕5号"] == "已修复"
    assert marks["示建罚〔2023〕1号"] == "—"
    domains = {r[1] for r in rows}
    assert domains == {"住房和城乡建设", "发展改革"}
    penalties = next(s for s in content["sections"] if s["code"] == "admin_penalty")
    assert penalties["count"] == len(rows) == 4
    # What the platform does not collect is said, never filled in.
    criminal = next(s for s in content["sections"] if s["name"].startswith("刑事裁判"))
    assert criminal["count"] == 0 and "未归集" in criminal["note"]
    assert ("统计期间", "2023-11-23 至 2026-11-22") in content["extra_facts"]


def test_one_domain_leaves_out_the_others(session: Session) -> None:
    subject = org(session)
    housing = department(session, "住房和城乡建设局")
    reform = department(session, "发展和改革局")
    penalty(session, subject, housing, "示建罚〔2025〕1号", date(2025, 1, 5))
    penalty(session, subject, reform, "示发改罚〔2025〕2号", date(2025, 1, 5))
    content = _special(session, subject.uscc or "", ["development_reform"], 1)
    assert rows_of(content, "admin_penalty") == []
    content = _special(session, subject.uscc or "", ["development_reform"], 2)
    assert len(rows_of(content, "admin_penalty")) == 1


@pytest.mark.parametrize(
    ("domains", "years", "message"),
    [
        (["housing_construction"], 6, "期间（years）“6”无效：应为 1 至 5 年"),
        (["housing_construction"], 0, "期间（years）“0”无效"),
        (["housing_construction"], None, "期间（years）“None”无效"),
        (["mining"], 3, "领域（domains）取值“mining”不是信用代证领域"),
        ([], 3, "领域（domains）不能为空"),
    ],
)
def test_bad_choices_are_refused_naming_the_field(
    session: Session, domains: list[str], years: int | None, message: str
) -> None:
    subject = org(session)
    with pytest.raises(ReportError, match=message.replace("(", r"\(")):
        _special(session, subject.uscc or "", domains, years)


def test_the_domains_cite_their_basis_and_date() -> None:
    book = domain_book()
    assert {d.name for d in book.domains} == {
        "发展改革",
        "住房和城乡建设",
        "文化和旅游",
        "气象",
        "地震",
    }
    for domain in book.domains:
        assert "汕发改信用〔2025〕96号" in domain.basis and domain.since == date(2025, 4, 7)
    assert "发改财金〔2025〕565号" in book.basis_minimum
    assert book.max_years == 5
    assert book.open_on(date(2025, 4, 6)) == []


def test_a_purpose_with_control_characters_is_refused(session: Session) -> None:
    subject = org(session)
    asked = ReportRequest(kind="organisation", code=subject.uscc or "", purpose="审查\x00")
    with pytest.raises(ReportError, match=r"查询用途（purpose）.*含有不可见的控制字符"):
        issue_report(session, ACTOR, asked, get_catalog(), TODAY)
    asked.purpose = "x" * 101
    with pytest.raises(ReportError, match="须填写，且不超过 100 字"):
        issue_report(session, ACTOR, asked, get_catalog(), TODAY)
