"""The findings of "Trust first", each as a user would meet it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from helpers import AUTHORITY, make_person_id, org, penalty_values, person, save_penalty
from penalty_files import COMPANIES, good_row
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, Department
from xinyong.accounts.service import create_api_key
from xinyong.api import deps
from xinyong.api.app import create_app
from xinyong.audit.log import Actor
from xinyong.audit.models import AuditEntry
from xinyong.catalog.registry import get_catalog
from xinyong.cli.main import cli
from xinyong.objections.models import Objection
from xinyong.records.models import Record
from xinyong.records.store import save_record
from xinyong.subjects.access import reads_of


@pytest.fixture
def api(city: Any, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("XINYONG_TODAY", "2026-11-22")
    from xinyong.settings import reset_settings

    reset_settings()
    deps.forget_keys()
    return TestClient(create_app())


def _as(client: TestClient, city: Any, name: str) -> dict[str, str]:
    client.cookies.clear()
    client.cookies.update(city.who[name].cookies)
    return dict(city.who[name].headers)


def _tax_key(session: Session, city: Any) -> dict[str, str]:
    tax = session.get(Department, city.tax_id)
    assert tax is not None
    tax.publish_items = ["admin_penalty"]  # the tax bureau reviews in its own system
    key = create_api_key(session, Actor("cli:test"), ["ingest"], tax).key
    session.commit()
    return {"X-API-Key": key}


def _tax_penalty(city: Any, **changes: str) -> dict[str, str]:
    """A tax bureau penalty of 19,900 yuan."""
    tax = {
        "行政处罚决定书文号": "示税罚〔2026〕7号",
        "处罚内容": "罚款人民币19900元",
        "罚款金额（万元）": "1.99",
        "处罚机关": "示范市税务局",
        "处罚机关统一社会信用代码": city.tax_uscc,
        "数据来源单位": "示范市税务局",
        "数据来源单位统一社会信用代码": city.tax_uscc,
    }
    return good_row(0, **(tax | changes))


def test_a_department_cannot_rewrite_another_department_s_published_penalty(
    api: TestClient, session: Session, city: Any
) -> None:
    sent = api.post(
        "/api/v1/ingest/admin_penalty",
        headers=_tax_key(session, city),
        json={"rows": [_tax_penalty(city)]},
    )
    assert sent.json()["accepted"] == 1
    code = COMPANIES[0][0]
    shown = api.get(f"/api/v1/subjects/{code}").json()["records"]
    assert [r["fields"]["CF_NR"] for r in shown] == ["罚款人民币19900元"]

    market = _as(api, city, "ingest")
    one_yuan = {"处罚内容": "罚款人民币1元", "罚款金额（万元）": "0.0001"}
    # As sent, naming the tax bureau as its source ...
    as_tax = api.post(
        "/api/v1/ingest/admin_penalty",
        headers=market,
        json={"rows": [_tax_penalty(city, **one_yuan)]},
    ).json()
    # ... and claiming to be the market regulator's own record.
    own = {"数据来源单位": "示范市市场监督管理局", "数据来源单位统一社会信用代码": AUTHORITY}
    as_own = api.post(
        "/api/v1/ingest/admin_penalty",
        headers=market,
        json={"rows": [_tax_penalty(city, **one_yuan, **own)]},
    ).json()

    assert (as_tax["accepted"], as_tax["rejected"]) == (0, 1)
    assert (as_own["accepted"], as_own["rejected"]) == (0, 1)
    assert as_own["error_kinds"] == {"foreign": 1}
    rejected = api.get(as_own["rejected_file"], headers=market).text
    assert "其他部门报送" in rejected
    session.expire_all()
    versions = session.execute(select(Record).where(Record.item == "admin_penalty")).scalars()
    assert [(r.version, r.department_id) for r in versions] == [(1, city.tax_id)]
    shown = api.get(f"/api/v1/subjects/{code}").json()["records"]
    assert [r["fields"]["CF_NR"] for r in shown] == ["罚款人民币19900元"]


def test_publishing_on_arrival_in_another_department_s_name_is_refused(
    api: TestClient, session: Session, city: Any
) -> None:
    refused = api.post(
        "/api/v1/ingest/admin_penalty",
        headers=_as(api, city, "ingest"),
        params={"publish": "true"},
        json={"rows": [_tax_penalty(city)]},
    )
    assert refused.status_code == 403 and "报送即公示" in refused.json()["detail"]
    session.expire_all()
    assert session.execute(select(Record)).first() is None


def test_a_read_key_cannot_publish_decide_or_stop_publication(
    api: TestClient, session: Session, city: Any
) -> None:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), fine_wan="1.99")
    record = save_penalty(session, subject, values, published=False).record
    session.commit()
    read = _as(api, city, "read")
    for action in ("publish", "approve", "withdraw"):
        answer = api.post(
            f"/api/v1/publications/{record.id}/actions",
            headers=read,
            json={"action": action, "kind": "void", "reason": "x"},
        )
        assert answer.status_code == 403, answer.text
    filed = api.post(
        "/api/v1/objections",
        headers=read,  # (the record is not public: anonymous callers cannot name it)
        json={
            "record_id": record.id,
            "filer_name": subject.name,
            "grounds": "wrong_or_missing",
            "description": "金额有误",
        },
    ).json()
    for body in ({"action": "accept"}, {"action": "decide", "outcome": "corrected"}):
        answer = api.post(f"/api/v1/objections/{filed['id']}/actions", headers=read, json=body)
        assert answer.status_code == 403 and "read" in answer.json()["detail"]
    session.expire_all()
    stored = session.get(Record, record.id)
    assert stored is not None and stored.published_at is None and stored.status == "active"
    objection = session.get(Objection, filed["id"])
    assert objection is not None and objection.state == "submitted"


def test_a_department_officer_requests_publication_of_its_own_records_only(
    api: TestClient, session: Session, city: Any
) -> None:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), fine_wan="0.2")
    record = save_penalty(session, subject, values, published=False).record
    record.department_id = city.market_id
    session.commit()
    other = api.post(
        f"/api/v1/publications/{record.id}/actions",
        headers=_as(api, city, "other_officer"),
        json={"action": "request"},
    )
    assert other.status_code == 403 and "其他部门" in other.json()["detail"]
    own = api.post(
        f"/api/v1/publications/{record.id}/actions",
        headers=_as(api, city, "officer"),
        json={"action": "request"},
    )
    assert own.status_code == 200 and own.json()["publication_state"] == "requested"


def _person_with_penalty(session: Session, resident_id: str) -> None:
    subject = person(session, resident_id, "陈小明")
    values = penalty_values(
        subject,
        ["罚款"],
        date(2026, 5, 1),
        "示市监罚〔2026〕88号",
        fine_wan="0.5",
        resident_id=resident_id,
    )
    save_penalty(session, subject, values)
    session.commit()


def test_staff_search_masks_persons_without_a_purpose_and_audits_each_reveal(
    api: TestClient, session: Session, city: Any
) -> None:
    first, second = make_person_id(7), make_person_id(8)
    _person_with_penalty(session, first)
    person(session, second, "陈小明")
    session.commit()
    for who in ("read", "admin"):
        headers = _as(api, city, who)
        found = api.get("/api/v1/subjects", params={"q": "陈小明"}, headers=headers).json()
        codes = sorted(item["code"] for item in found["items"])
        assert len(codes) == 2 and first not in codes and second not in codes
        assert all("*" in code for code in codes)
    session.expire_all()
    assert (
        session.execute(select(AuditEntry).where(AuditEntry.purpose.is_not(None))).first() is None
    )

    headers = _as(api, city, "read")
    found = api.get(
        "/api/v1/subjects", params={"q": "陈小明", "purpose": "行政许可审查"}, headers=headers
    ).json()
    assert sorted(item["code"] for item in found["items"]) == sorted([first, second])
    session.expire_all()
    entries = session.execute(
        select(AuditEntry).where(AuditEntry.action == "person.search")
    ).scalars()
    assert sorted((e.purpose, e.actor.split(":")[0]) for e in entries) == [
        ("行政许可审查", "apikey"),
        ("行政许可审查", "apikey"),
    ]
    # What the person will be shown of it (subject self-service).
    reads = reads_of(session, person(session, first))
    assert [(r.how, r.purpose, r.reader[:7]) for r in reads] == [
        ("检索", "行政许可审查", "apikey:")
    ]


def test_anonymous_callers_cannot_tell_whether_a_resident_id_exists(
    api: TestClient, session: Session
) -> None:
    known, unknown, public = make_person_id(11), make_person_id(12), make_person_id(13)
    person(session, known, "李四")  # registered, but no public record
    _person_with_penalty(session, public)
    answers = {code: api.get(f"/api/v1/subjects/{code}") for code in (known, unknown)}
    assert {a.status_code for a in answers.values()} == {404}
    assert answers[known].json()["detail"].replace(known, "ID") == answers[unknown].json()[
        "detail"
    ].replace(unknown, "ID")
    assert "李四" not in answers[known].text
    assert api.get(f"/subjects/{known}").status_code == 404  # the portal page too
    shown = api.get(f"/api/v1/subjects/{public}").json()
    assert shown["code"] != public and "*" in shown["code"]  # public records: masked ID


def test_a_revoked_or_made_up_key_is_401(
    api: TestClient, session: Session, city: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_up = api.get("/api/v1/catalog", headers={"X-API-Key": "xy_made-up"})
    assert made_up.status_code == 401 and "API 密钥" in made_up.json()["detail"]
    headers = _as(api, city, "read")
    assert api.get("/api/v1/catalog", headers=headers).status_code == 200
    key = session.execute(select(ApiKey).where(ApiKey.scopes.is_not(None))).scalars().first()
    assert key is not None
    number = session.execute(
        select(ApiKey.id).where(ApiKey.prefix == headers["X-API-Key"][:10])
    ).scalar_one()
    result = CliRunner().invoke(cli, ["apikeys", "revoke", str(number)])
    assert result.exit_code == 0 and "已吊销" in result.output
    listed = CliRunner().invoke(cli, ["apikeys", "list"]).output
    assert "已吊销" in listed
    # The server remembers a valid key for up to 60 s; then the revocation holds.
    now = deps.time.monotonic()
    monkeypatch.setattr(deps.time, "monotonic", lambda: now + deps.KEY_CACHE_SECONDS + 1)
    revoked = api.get("/api/v1/catalog", headers=headers)
    assert revoked.status_code == 401


def _arrears(session: Session, department_id: int) -> None:
    subject = org(session)
    values = {
        "GY_MC": subject.name,
        "GY_SHXYM": subject.uscc,
        "GY_HH": "0012345",
        "GY_LX": "水费",
        "GY_QFJE": "1280.50",
        "GY_QFQSRQ": "2026-01-01",
        "GY_CJRQ": "2026-06-01",
        "GY_GYDW": "示范市供水有限公司",
        "GY_SJLY": "示范市市场监督管理局",
        "GY_SJLYDM": AUTHORITY,
    }
    item = get_catalog().item("utility_arrears")
    save_record(session, item, subject, values, department_id=department_id)
    session.commit()


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("read", True),  # the market regulator's key: it is the records' source
        ("officer", True),
        ("other_officer", False),  # the tax bureau: not its record, not the credit office
        ("auditor", True),
        ("admin_key", True),
        ("anonymous", False),
    ],
)
def test_restricted_items_follow_their_sharing_rule(
    api: TestClient, session: Session, city: Any, who: str, sees: bool
) -> None:
    _arrears(session, city.market_id)
    body = api.get(f"/api/v1/subjects/{org(session).uscc}", headers=_as(api, city, who)).json()
    items = [r["item"] for r in body["records"]]
    assert ("utility_arrears" in items) is sees
    assert body["counts"].get("utility_arrears", 0) == (1 if sees else 0)


def test_a_bulk_check_is_read_back_by_its_own_department_only(
    api: TestClient, session: Session, city: Any
) -> None:
    own = _as(api, city, "checks")
    started = api.post(
        "/api/v1/checks/bulk",
        headers=own,
        data={"matter": "GP", "purpose": "供应商资格审查"},
        files={"file": ("s.csv", f"主体\n{COMPANIES[0][0]}\n".encode(), "text/csv")},
    )
    assert started.status_code == 200, started.text
    status = started.json()["status"]
    tax = session.get(Department, city.tax_id)
    other = {"X-API-Key": create_api_key(session, Actor("cli:test"), ["checks"], tax).key}
    session.commit()
    refused = api.get(status, headers=other)
    assert refused.status_code == 403 and "其他部门" in refused.json()["detail"]
    assert api.get(status, headers=own).status_code == 200
    result = api.get(status + "/result", headers=own)
    assert result.status_code == 200
    session.expire_all()
    downloads = select(AuditEntry).where(AuditEntry.action == "check.bulk_download")
    assert len(session.execute(downloads).all()) == 1


def test_a_department_officer_s_workbench_shows_its_own_department_s_work(
    api: TestClient, session: Session, city: Any
) -> None:
    mine, theirs = org(session), org(session, COMPANIES[1][0], COMPANIES[1][1])
    for subject, department, number in (
        (mine, city.market_id, "示市监罚〔2026〕31号"),
        (theirs, city.tax_id, "示税罚〔2026〕32号"),
    ):
        values = penalty_values(subject, ["罚款"], date(2026, 5, 1), number, fine_wan="0.2")
        record = save_penalty(session, subject, values, published=False).record
        record.department_id = department
        record.publication_state = "requested"
    session.commit()
    _as(api, city, "officer")
    officer_page = api.get("/workbench/publications").text
    _as(api, city, "reviewer")
    reviewer_page = api.get("/workbench/publications").text
    assert mine.name in officer_page and theirs.name not in officer_page
    assert mine.name in reviewer_page and theirs.name in reviewer_page
