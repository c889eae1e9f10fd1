"""GET /api/v1/subjects/{code}/graph and /control over HTTP, as the public and as staff."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import quote

from graph_files import COMPANY, PERSON_ID, holding_row, officer_row, write_rows
from helpers import staff_headers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.audit.models import AuditEntry
from xinyong.ingest.pipeline import ingest_file

TODAY = date(2026, 11, 22)


def _load(session: Session, tmp_path: Path) -> None:
    for item, rows in (
        (
            "shareholder",
            [
                holding_row(1, person=0, ratio="60"),
                holding_row(1, person=1, ratio="40"),
                holding_row(0, company=1, ratio="51"),
                holding_row(0, company=2, ratio="49"),
            ],
        ),
        ("key_personnel", [officer_row(0, 3, "经理", legal=True)]),
    ):
        path = write_rows(tmp_path / f"{item}.csv", rows)
        ingest_file(session, item, path, actor=Actor("cli:test"), today=TODAY)
    session.commit()


def test_the_public_sees_the_graph_with_persons_masked(client, session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _load(session, tmp_path)
    response = client.get(f"/api/v1/subjects/{COMPANY[0]}/graph?depth=2")
    assert response.status_code == 200, response.text
    body = response.json()
    kinds = sorted(e["kind"] for e in body["edges"])
    assert kinds == ["holding"] * 4 + ["legal_representative", "officer"]
    for number in PERSON_ID:
        assert number not in response.text
    person = next(n for n in body["nodes"] if n["kind"] == "natural_person")
    assert person["code"].startswith("4405**") and person["id"].startswith("P")
    assert client.get(f"/api/v1/subjects/{COMPANY[0]}/graph?depth=6").status_code == 422
    assert client.get(f"/api/v1/subjects/{COMPANY[11]}/graph").status_code == 404
    history = client.get(f"/api/v1/subjects/{COMPANY[0]}/graph?known_at=2026-01-01T00:00:00")
    assert history.status_code == 401 and "政务用户" in history.json()["detail"]


def test_control_over_the_api(client, session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _load(session, tmp_path)
    body = client.get(f"/api/v1/subjects/{COMPANY[0]}/control").json()
    controller = body["actual_controller"]
    assert controller["name"] == "股东0" and controller["basis"] == "control"
    assert abs(controller["share"] - 0.6 * 0.51) < 1e-9
    assert [o["name"] for o in body["beneficial_owners"]] == ["股东0"]
    assert body["penetration"][0]["id"] == COMPANY[1]
    assert PERSON_ID[0] not in str(body)


def test_staff_with_a_purpose_see_ids_and_are_audited(client, session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _load(session, tmp_path)
    headers = staff_headers(session, ["read"])
    masked = client.get(f"/api/v1/subjects/{COMPANY[0]}/control", headers=headers).json()
    assert masked["purpose_required"] and PERSON_ID[0] not in str(masked)
    headers["X-Purpose"] = quote("贷款审查")
    revealed = client.get(f"/api/v1/subjects/{COMPANY[0]}/graph", headers=headers)
    assert PERSON_ID[0] in revealed.text and PERSON_ID[3] in revealed.text
    session.expire_all()
    reads = session.execute(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "person.read", AuditEntry.purpose == "贷款审查")
    ).scalar_one()
    assert reads == 3  # 股东0, 股东1 and the manager
