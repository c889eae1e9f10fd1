"""The organisation and natural person reports: sections in the national layout, each count
the rows printed and, for the public report, the subject page's counts of the same day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import make_person_id, org, penalty_values, person, save_penalty
from report_builders import ACTOR, TODAY, pdf_text
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEntry
from xinyong.catalog.registry import get_catalog
from xinyong.permissions import PermissionDenied, Principal
from xinyong.records.models import Record
from xinyong.reports.service import ReportError, ReportRequest, issue_report
from xinyong.subjects.models import Subject

SECTIONS = [
    "基本信息",
    "行政管理信息",
    "诚实守信信息",
    "严重失信主体名单信息",
    "经营异常名录信息",
    "信用承诺及履约信息",
    "信用评价信息",
    "司法判决信息",
    "其他信息",
]


def _busiest(session: Session) -> Subject:
    subject_id = session.execute(
        select(Record.subject_id)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Subject.uscc.is_not(None))
        .group_by(Record.subject_id)
        .order_by(func.count().desc())
        .limit(1)
    ).scalar_one()
    found = session.get(Subject, subject_id)
    assert found is not None
    return found


def test_public_report_counts_are_the_rows_and_the_subject_pages(
    demo_city: Session, client: TestClient, tmp_path: Path
) -> None:
    subject = _busiest(demo_city)
    page = client.get(f"/api/v1/subjects/{subject.uscc}").json()
    names = {code: item.name for code, item in get_catalog().items.items()}
    on_page = {names[code]: n for code, n in page["counts"].items() if n}
    asked = ReportRequest(kind="organisation", code=subject.uscc or "", purpose="资格审查")
    report, content = issue_report(demo_city, ACTOR, asked, get_catalog(), TODAY)
    assert [s["name"] for s in content["sections"]] == SECTIONS
    in_report: dict[str, int] = {}
    for section in content["sections"]:
        assert section["count"] == sum(len(g["rows"]) for g in section["groups"])
        for group in section["groups"]:
            assert group["count"] == len(group["rows"])
            if group["name"] in names.values():
                in_report[group["name"]] = group["count"]
    assert in_report == on_page and sum(on_page.values()) > 10
    # The PDF prints the same counts, and "无" for the empty sections.
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf)
    text = pdf_text(path)
    for section in content["sections"]:
        assert f"{section['name']}（{section['count']}条）" in text
    for name, count in on_page.items():
        assert f"{name}（{count}条）" in text
    assert "无" in text and report.counts == {s["name"]: s["count"] for s in content["sections"]}


def test_expired_and_repaired_records_follow_the_rules(session: Session) -> None:
    subject = org(session)
    kept = save_penalty(
        session, subject, penalty_values(subject, ["罚款"], date(2026, 11, 1), fine_wan="1")
    )
    gone = save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 11, 2), "示市监罚〔2026〕2号", "1"),
    )
    gone.record.status = "repaired"
    session.flush()

    def rows(content: str) -> list[list[str]]:
        asked = ReportRequest(
            kind="organisation", code=subject.uscc or "", purpose="审查", content=content
        )
        built = issue_report(session, ACTOR, asked, get_catalog(), TODAY)[1]
        section = next(s for s in built["sections"] if s["code"] == "administrative")
        return [r for g in section["groups"] for r in g["rows"]]

    public = rows("public")  # the public view: repaired penalties are no longer shown
    assert len(public) == 1 and "示市监罚〔2026〕1号" in public[0][1]
    government = rows("government")  # for government use: shown, marked 已修复
    assert sorted(r[-1] for r in government) == ["—", "已修复"]
    assert kept.record.id != gone.record.id


def test_government_content_needs_a_government_caller(session: Session) -> None:
    subject = org(session)
    asked = ReportRequest(
        kind="organisation", code=subject.uscc or "", purpose="审查", content="government"
    )
    with pytest.raises(PermissionDenied):
        issue_report(session, Principal.anonymous(), asked, get_catalog(), TODAY)


def test_a_person_report_goes_only_to_the_person_with_the_id_checked(
    session: Session, tmp_path: Path
) -> None:
    resident_id = make_person_id(11)
    subject = person(session, resident_id, "陈小明")
    values = penalty_values(
        subject, ["罚款"], date(2026, 11, 1), fine_wan="1", resident_id=resident_id
    )
    save_penalty(session, subject, values)
    session.flush()
    clerk = Principal("user:clerk", kind="user", role="data_officer")
    asked = ReportRequest(kind="person", code=resident_id, purpose="个人查询")
    with pytest.raises(ReportError, match="须当面核验本人居民身份证件"):
        issue_report(session, clerk, asked, get_catalog(), TODAY)
    asked.identity_checked, asked.identity_name = True, "陈大明"
    with pytest.raises(
        ReportError, match="姓名（identity_name）“陈大明”与该身份证号码登记的姓名不符"
    ):
        issue_report(session, clerk, asked, get_catalog(), TODAY)
    with pytest.raises(PermissionDenied):
        issue_report(session, Principal.anonymous(), asked, get_catalog(), TODAY)
    asked.identity_name = "陈小明"
    report, content = issue_report(session, clerk, asked, get_catalog(), TODAY)
    assert content["title"] == "自然人公共信用信息报告"
    path = tmp_path / "person.pdf"
    path.write_bytes(report.pdf)
    text = pdf_text(path)
    masked = subject.person_id_masked or ""
    assert resident_id not in text and masked in text and "*" in masked
    assert report.subject_code == masked
    section = next(s for s in content["sections"] if s["code"] == "administrative")
    assert section["count"] == 1
    reads = session.execute(
        select(AuditEntry.action, AuditEntry.purpose).where(AuditEntry.actor == "user:clerk")
    ).all()
    assert sorted(reads) == [("person.read", "个人查询"), ("report.issue", "个人查询")]
    # An organisation report is refused for a person, and the other way round.
    with pytest.raises(ReportError, match="自然人报告请选择类型 person"):
        issue_report(
            session, clerk, ReportRequest("organisation", resident_id, "x"), get_catalog(), TODAY
        )
