from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_api_key
from xinyong.audit.log import Actor
from xinyong.audit.models import AuditEntry
from xinyong.identifiers.resident_id import check_resident_id
from xinyong.subjects.models import Subject

RESIDENT_ID_LIKE = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")


def _enterprise(session: Session) -> Subject:
    return (
        session.execute(select(Subject).where(Subject.kind == "enterprise").order_by(Subject.id))
        .scalars()
        .first()
    )  # type: ignore[return-value]


def _unmasked_ids(body: str) -> list[str]:
    from datetime import date

    return [m for m in RESIDENT_ID_LIKE.findall(body) if not check_resident_id(m, date.today())]


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_two_character_fragment_finds_the_enterprise(
    demo_city: Session, client: TestClient
) -> None:
    subject = _enterprise(demo_city)
    fragment = subject.name[3:5]
    body = client.get("/api/v1/subjects", params={"q": fragment, "limit": 100}).json()
    assert body["total"] >= 1
    assert subject.uscc in [item["code"] for item in body["items"]]
    assert set(body["items"][0]) >= {"code", "name", "kind"}


def test_subject_endpoint_returns_records_and_counts(
    demo_city: Session, client: TestClient
) -> None:
    subject = _enterprise(demo_city)
    body = client.get(f"/api/v1/subjects/{subject.uscc}").json()
    assert body["code"] == subject.uscc and body["name"] == subject.name
    assert body["counts"]["registration_basics"] == 1
    assert any(r["item"] == "registration_basics" for r in body["records"])
    assert sum(body["counts"].values()) == len(body["records"])


def test_unknown_subject_is_404_in_chinese(client: TestClient) -> None:
    response = client.get("/api/v1/subjects/914405007080295548")
    assert response.status_code == 404
    assert "未找到" in response.json()["detail"]


def test_short_query_is_rejected_in_chinese(client: TestClient) -> None:
    response = client.get("/api/v1/subjects", params={"q": "鸿"})
    assert response.status_code == 422
    assert "至少" in response.json()["detail"]


def test_public_view_hides_shared_items_and_masks_ids(
    demo_city: Session, client: TestClient
) -> None:
    bodies = []
    for subject in demo_city.execute(select(Subject).limit(60)).scalars():
        from xinyong.subjects.service import subject_ref

        response = client.get(f"/api/v1/subjects/{subject_ref(subject)}")
        if subject.kind == "natural_person" and response.status_code == 404:
            continue  # a person with no public record answers as an unknown code does
        assert response.status_code == 200
        payload = response.json()
        assert "tax_credit_grade" not in payload["counts"]
        assert "housing_fund" not in payload["counts"]
        bodies.append(response.text)
    assert _unmasked_ids("\n".join(bodies)) == []


def test_staff_key_sees_person_only_with_purpose_and_is_audited(
    demo_city: Session, client: TestClient
) -> None:
    key = create_api_key(demo_city, Actor("cli:test"), ["read"]).key
    demo_city.commit()
    subject = (
        demo_city.execute(select(Subject).where(Subject.kind == "natural_person")).scalars().first()
    )
    assert subject is not None
    from xinyong.privacy.ids import get_protector

    resident_id = get_protector().decrypt(subject.person_id_enc or "")
    headers = {"X-API-Key": key}
    masked = client.get(f"/api/v1/subjects/{resident_id}", headers=headers)
    assert masked.status_code == 200 and "用途" in masked.json()["purpose_required"]
    assert masked.json()["code"] == subject.person_id_masked and masked.json()["records"] == []
    demo_city.expire_all()
    assert not demo_city.execute(
        select(AuditEntry).where(AuditEntry.action == "person.read")
    ).first()
    ok = client.get(
        f"/api/v1/subjects/{resident_id}", headers=headers | {"X-Purpose": quote("行政许可审查")}
    )
    assert ok.status_code == 200
    assert ok.json()["code"] == resident_id
    demo_city.expire_all()
    entry = demo_city.execute(
        select(AuditEntry).where(AuditEntry.action == "person.read")
    ).scalar_one()
    assert entry.purpose == "行政许可审查" and entry.actor.startswith("apikey:")
    public = client.get(f"/api/v1/subjects/{resident_id}")
    if public.status_code == 200:
        assert public.json()["code"] == subject.person_id_masked
    else:
        assert public.json()["detail"] == f"未找到代码为“{resident_id}”的主体"


def test_catalog_endpoint_lists_items_with_fields(client: TestClient) -> None:
    body = client.get("/api/v1/catalog").json()
    codes = {item["code"] for item in body["items"]}
    assert {"admin_penalty", "admin_license", "black_list"} <= codes
    penalty = next(i for i in body["items"] if i["code"] == "admin_penalty")
    assert penalty["legal_basis"] and any(f["code"] == "CF_WSH" for f in penalty["fields"])


def test_openapi_page_needs_no_internet(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "cdn" not in page.lower() and "http://" not in page and "https://" not in page
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/subjects/{code}" in spec["paths"]
