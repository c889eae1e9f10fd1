"""Where grades are read: the evaluation endpoints (public and staff views, models) and the
credit check, whose answer carries the grade and applies a matter's measures by grade."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from helpers import black_list_entry, make_person_id, org, person, staff_headers
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.evaluation.service import run_evaluation

ACTOR = Actor("cli:test")


def test_models_are_listed_with_their_versions(client: TestClient) -> None:
    body = client.get("/api/v1/evaluation/models").json()
    assert body["total"] == 4
    versions = {m["code"]: (m["version"], m["grades_public"]) for m in body["items"]}
    assert versions == {
        "general_enterprise": ("2025.1", True),
        "gov_integrity": ("2026.1", True),
        "weihai_market": ("2025.1", False),
        "yiwu_enterprise": ("2025.1", True),
    }


def test_the_public_sees_public_models_only_and_no_detail(
    session: Session, client: TestClient
) -> None:
    subject = org(session)
    session.commit()
    run_evaluation(session, ACTOR, date(2026, 11, 22))
    session.commit()
    url = f"/api/v1/subjects/{subject.uscc}/evaluation"
    public = client.get(url).json()
    assert public["models"] == ["general_enterprise", "yiwu_enterprise"]
    assert (public["grade"], public["as_of"]) == ("B", "2026-11-22")
    assert {k for k, v in public.items() if v is not None} == {
        "subject",
        "model",
        "model_name",
        "models",
        "grade",
        "meaning",
        "as_of",
        "disputed",
    }
    assert public["disputed"] is False
    hidden = client.get(url, params={"model": "weihai_market"})
    assert hidden.status_code == 404 and "不向社会公开" in hidden.json()["detail"]
    # A later full run that finds the same grade writes nothing and confirms the grade.
    again = run_evaluation(session, ACTOR, date(2026, 12, 1))
    session.commit()
    assert again.changed == 0 and client.get(url).json()["as_of"] == "2026-12-01"
    headers = staff_headers(session, ["read"])
    staff = client.get(url, params={"model": "weihai_market"}, headers=headers).json()
    assert len(staff["history"]) == 1 and staff["history"][0]["to"] is None
    assert staff["grade"] == "B" and staff["score"] == "100.00" and len(staff["digest"]) == 64
    assert staff["models"] == ["general_enterprise", "weihai_market", "yiwu_enterprise"]


def test_natural_persons_are_not_graded_and_reveal_nothing(
    session: Session, client: TestClient
) -> None:
    known = make_person_id(7)
    person(session, known)
    session.commit()
    for code in (known, make_person_id(8), "P0123456789abcdef"):
        response = client.get(f"/api/v1/subjects/{code}/evaluation")
        assert response.status_code == 404
        assert response.json()["detail"] == "信用评价只适用于法人和非法人组织，不对自然人评分"


def test_a_d_grade_restricts_under_a_matter_with_a_grade_measure(
    session: Session, client: TestClient
) -> None:
    subject = org(session)
    black_list_entry(session, subject, "2029-11-30")  # saved: re-graded at once
    clean = org(session, "914405007JH4BXKF5J", "示范市清白商行有限公司")
    session.commit()
    run_evaluation(session, ACTOR, date(2026, 11, 22))
    session.commit()
    headers = staff_headers(session, ["checks"])
    response = client.post(
        "/api/v1/checks",
        headers=headers,
        json={"subjects": [subject.uscc, clean.uscc], "matter": "SV", "purpose": "双随机抽查"},
    )
    assert response.status_code == 200, response.text
    graded, plain = response.json()["results"]
    assert {"model": "general_enterprise", "grade": "D"} in graded["grades"]
    assert graded["advice"] == "restrict"
    supervision = next(m for m in graded["measures"] if m["code"] == "P09")
    assert {"model": "general_enterprise", "grade": "D"} in supervision["because_of_grades"]
    assert "《优化营商环境条例》第五十三条" in supervision["legal_basis"]
    assert "信用评价D级（general_enterprise）" in graded["explanation"]
    assert (
        plain["advice"] == "clear"
        and {"model": "general_enterprise", "grade": "B"} in plain["grades"]
    )
