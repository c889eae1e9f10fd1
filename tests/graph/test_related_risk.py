"""Related-party risk: a company whose controller (up a chain), shareholder or legal
representative is on a serious list shows the risk with its path, on its page and in its
credit check answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from graph_files import COMPANY, company_name, holding_row, officer_row, write_rows
from helpers import black_list_entry, org, staff_headers
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.clock import today
from xinyong.graph.risk import related_risks
from xinyong.ingest.pipeline import ingest_file


def _ingest(session: Session, tmp_path: Path, item: str, rows: list[dict[str, str]]) -> None:
    path = write_rows(tmp_path / f"{item}.csv", rows)
    ingest_file(session, item, path, actor=Actor("cli:test"), today=date(2026, 11, 22))
    session.commit()


def _group(session: Session, tmp_path: Path) -> None:
    """Company 0 is 60% held by company 1 (and 40% by person 0, its legal representative);
    company 1 is 80% held by company 2, which holds 10% of company 3 as well."""
    _ingest(
        session,
        tmp_path,
        "shareholder",
        [
            holding_row(0, company=1, ratio="60"),
            holding_row(0, person=0, ratio="40"),
            holding_row(1, company=2, ratio="80"),
            holding_row(1, person=1, ratio="20"),
            holding_row(3, company=2, ratio="10"),
            holding_row(3, person=1, ratio="90"),
        ],
    )
    _ingest(session, tmp_path, "key_personnel", [officer_row(0, 0, "执行董事", legal=True)])


def _check(client: TestClient, headers: dict[str, str], code: str) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/checks",
        headers=headers,
        json={"subjects": [code], "matter": "GP", "purpose": "政府采购供应商资格审查"},
    )
    assert response.status_code == 200, response.text
    result: dict = response.json()["results"][0]  # type: ignore[type-arg]
    return result


def test_a_controller_entering_the_black_list_shows_on_the_page_and_in_the_check(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    _group(session, tmp_path)
    headers = staff_headers(session, ["checks", "read"])
    assert _check(client, headers, COMPANY[0])["related_risks"] == []
    assert "关联方风险" not in client.get(f"/subjects/{COMPANY[0]}").text

    black_list_entry(session, org(session, COMPANY[2], company_name(2)), "2029-12-31")

    result = _check(client, headers, COMPANY[0])
    assert result["advice"] == "clear"  # the company itself is not listed
    [risk] = result["related_risks"]
    assert risk["party"] == {
        "id": COMPANY[2],
        "name": company_name(2),
        "code": COMPANY[2],
        "kind": "organization",
    }
    assert risk["relations"] == ["controller"] and risk["relation_label"] == "控制人"
    assert [step["id"] for step in risk["path"]] == [COMPANY[2], COMPANY[1], COMPANY[0]]
    assert [step["name"] for step in risk["path"]] == [company_name(n) for n in (2, 1, 0)]
    assert risk["list_type"] == "black_list" and risk["list_name"] == "严重失信主体名单"
    assert risk["since"] == "2025-12-01"

    page = client.get(f"/subjects/{COMPANY[0]}").text
    assert "关联方风险（1）" in page
    assert f"<b>{company_name(2)}</b>：控制人，列入严重失信主体名单" in page
    assert f"{company_name(2)} → {company_name(1)} → {company_name(0)}" in page

    # a 10% holder is a shareholder of company 3, not its controller
    [minor] = _check(client, headers, COMPANY[3])["related_risks"]
    assert minor["relations"] == ["shareholder"]
    assert [step["id"] for step in minor["path"]] == [COMPANY[2], COMPANY[3]]
    # company 2 itself is restricted by its own hit and has no related risk
    own = _check(client, headers, COMPANY[2])
    assert own["advice"] == "restrict" and own["related_risks"] == []


def test_the_risk_ends_with_the_list_entry_and_with_the_holding(
    session: Session, tmp_path: Path
) -> None:
    _group(session, tmp_path)
    black_list_entry(session, org(session, COMPANY[2], company_name(2)), "2029-12-31")
    assert COMPANY[0] in related_risks(session, [COMPANY[0]], today())
    assert related_risks(session, [COMPANY[0]], date(2031, 1, 1)) == {}
    # company 1 sells its stake: the chain is broken from the day it leaves
    _ingest(
        session,
        tmp_path,
        "shareholder",
        [holding_row(0, company=1, ratio="60", until="2027-01-01")],
    )
    assert COMPANY[0] in related_risks(session, [COMPANY[0]], date(2026, 12, 31))
    assert related_risks(session, [COMPANY[0]], date(2027, 1, 1)) == {}
