from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.subjects.models import Subject


def test_home_has_one_search_box_and_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.text.count('type="search"') == 1
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_search_and_subject_page(demo_city: Session, client: TestClient) -> None:
    subject = (
        demo_city.execute(select(Subject).where(Subject.kind == "enterprise").order_by(Subject.id))
        .scalars()
        .first()
    )
    assert subject is not None
    page = client.get("/search", params={"q": subject.name[3:5]}).text
    assert subject.name in page
    detail = client.get(f"/subjects/{subject.uscc}").text
    assert subject.name in detail and "登记注册基本信息" in detail


def test_output_is_escaped(client: TestClient) -> None:
    page = client.get("/search", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_search_by_registration_number(demo_city: Session, client: TestClient) -> None:
    subject = (
        demo_city.execute(
            select(Subject).where(Subject.registration_number.is_not(None)).order_by(Subject.id)
        )
        .scalars()
        .first()
    )
    assert subject is not None and len(subject.registration_number or "") == 15
    page = client.get("/search", params={"q": subject.registration_number}).text
    assert subject.name in page
