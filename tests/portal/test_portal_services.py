from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from helpers import black_list_entry, org, penalty_values, save_penalty, staff_headers
from sqlalchemy.orm import Session


def _penalty(session: Session, number: str = "示市监罚〔2026〕77号") -> tuple[str, int]:
    subject = org(session)
    record = save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 5, 1), number, fine_wan="0.2"),
    ).record
    session.commit()
    return subject.uscc or "", record.id


def test_objection_filed_on_the_portal_gets_a_tracking_code_and_the_mark(
    session: Session, client: TestClient
) -> None:
    code, record_id = _penalty(session)
    page = client.get(f"/subjects/{code}").text
    assert f"/objections/new?record_id={record_id}" in page
    form = client.get(f"/objections/new?record_id={record_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/objections",
        data={
            "record_id": record_id,
            "filer_name": "示范市鸿泰贸易有限公司",
            "filer_kind": "subject",
            "contact": "13800000000",
            "grounds": "wrong_or_missing",
            "description": "罚款已全额缴纳且决定已变更",
            "csrf_token": token,
        },
    )
    assert done.status_code == 200
    tracking = re.search(r'class="code">([A-Z0-9]+)<', done.text).group(1)  # type: ignore[union-attr]
    assert "已提交" in client.get(f"/track?code={tracking}").text
    headers = staff_headers(session, ["admin"])
    objection_id = client.get("/api/v1/objections", headers=headers).json()["items"][0]["id"]
    client.post(
        f"/api/v1/objections/{objection_id}/actions", headers=headers, json={"action": "accept"}
    )
    assert "异议处理中" in client.get(f"/subjects/{code}").text
    tracked = client.get(f"/track?code={tracking}").text
    assert "已受理" in tracked and "工作日" in tracked


def test_objection_form_refuses_a_missing_csrf_token_and_explains_bad_input(
    session: Session, client: TestClient
) -> None:
    _, record_id = _penalty(session)
    refused = client.post(
        "/objections",
        data={"record_id": record_id, "filer_name": "x", "grounds": "other", "description": "y"},
    )
    assert refused.status_code == 403
    form = client.get(f"/objections/new?record_id={record_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    bad = client.post(
        "/objections",
        data={
            "record_id": record_id,
            "filer_name": "x",
            "grounds": "nonsense",
            "description": "y",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422 and "异议理由" in bad.text


def test_list_and_publicity_pages(session: Session, client: TestClient) -> None:
    subject = org(session)
    black_list_entry(session, subject, "2029-12-31")
    listed = client.get("/lists/black_list").text
    assert subject.name in listed and "国办发〔2020〕49号" in listed
    assert client.get("/lists/none").status_code == 404
    _penalty(session, "示市监罚〔2026〕88号")
    shown = client.get("/publicity?kind=penalty&since=2026-01-01&until=2026-12-31").text
    assert "示市监罚〔2026〕88号" in shown
    empty = client.get("/publicity?kind=penalty&since=2020-01-01&until=2020-12-31").text
    assert "示市监罚〔2026〕88号" not in empty


def test_no_public_page_shows_an_unmasked_resident_id(
    demo_city: Session, client: TestClient
) -> None:
    from sqlalchemy import select

    from xinyong.identifiers.resident_id import check_resident_id
    from xinyong.records.models import Record
    from xinyong.subjects.models import Subject

    pages = [
        "/",
        "/publicity",
        "/publicity?kind=license",
        "/lists/black_list",
        "/lists/dishonest_judgment_debtor",
        "/lists/red_list",
        "/search?q=示范",
    ]
    people = (
        demo_city.execute(
            select(Subject)
            .join(Record, Record.subject_id == Subject.id)
            .where(Subject.kind == "natural_person")
            .limit(20)
        )
        .scalars()
        .all()
    )
    from xinyong.subjects.service import subject_ref

    pages += [f"/subjects/{subject_ref(s)}" for s in people]
    pages += [
        f"/subjects/{s.uscc}"
        for s in demo_city.execute(
            select(Subject).where(Subject.kind == "enterprise").limit(20)
        ).scalars()
    ]
    leaked = []
    for path in pages:
        body = client.get(path).text
        for candidate in re.findall(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])", body):
            if not check_resident_id(candidate, date(2026, 11, 22)):
                leaked.append((path, candidate))
    assert leaked == []
    assert any("**********" in client.get(p).text for p in pages[7:])


def test_repair_form_explains_eligibility_and_tracks(session: Session, client: TestClient) -> None:
    from helpers import repair_commitment

    code, record_id = _penalty(session, "示市监罚〔2026〕99号")
    subject_page = client.get(f"/subjects/{code}").text
    assert f"/repairs/new?record_id={record_id}" in subject_page
    form = client.get(f"/repairs/new?record_id={record_id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    unmet = client.post(
        "/repairs", data={"record_id": record_id, "applicant": "鸿泰", "csrf_token": token}
    )
    # The system knows it would fail: it says why and files nothing (no tracking code).
    assert unmet.status_code == 422 and "暂不符合信用修复条件" in unmet.text
    assert "未找到该主体作出的信用修复型承诺" in unmet.text and 'class="code"' not in unmet.text
    assert "最短公示期已满" in form, "the conditions are shown before submitting"
    from xinyong.subjects.service import find_subject

    repair_commitment(session, find_subject(session, code))  # type: ignore[arg-type]
    eligible = client.post(
        "/repairs",
        data={
            "record_id": record_id,
            "applicant": "鸿泰",
            "obligations": "yes",
            "csrf_token": token,
        },
    )
    assert "尚有条件未满足" not in eligible.text
    tracking = re.search(r'class="code">([A-Z0-9]+)<', eligible.text).group(1)  # type: ignore[union-attr]
    assert "已提交" in client.get(f"/track?code={tracking}").text
    again = client.post(
        "/repairs",
        data={
            "record_id": record_id,
            "applicant": "鸿泰",
            "obligations": "yes",
            "csrf_token": token,
        },
    )
    assert again.status_code == 422 and f"受理编号 {tracking}" in again.text, "no duplicate"


def test_commitments_page_lists_public_commitments(session: Session, client: TestClient) -> None:
    from helpers import repair_commitment

    subject = org(session)
    repair_commitment(session, subject)
    page = client.get("/commitments").text
    assert subject.name in page and "信用修复型" in page
