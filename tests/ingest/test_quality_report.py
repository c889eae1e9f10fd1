"""Per-department data quality: acceptance rate, error kinds and open code conflicts."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from penalty_files import AUTHORITY, COMPANIES, HEADERS, good_row, write_csv
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.accounts.service import create_api_key, create_department
from xinyong.audit.log import Actor
from xinyong.cli.main import cli
from xinyong.demo.identities import IdentityMaker
from xinyong.ingest.pipeline import IngestResult, ingest_file
from xinyong.ingest.quality import quality_report

ACTOR = Actor("cli:test", "local")
ENVIRONMENT = IdentityMaker(random.Random(5)).uscc("11", "440500")


def _environment_row(n: int, **overrides: Any) -> dict[str, Any]:
    return good_row(
        n,
        **{
            "行政处罚决定书文号": f"示环罚〔2026〕{n + 1}号",
            "处罚机关": "示范市生态环境局",
            "处罚机关统一社会信用代码": ENVIRONMENT,
            "数据来源单位": "示范市生态环境局",
            "数据来源单位统一社会信用代码": ENVIRONMENT,
            **overrides,
        },
    )


@pytest.fixture
def departments(session: Session) -> tuple[Department, Department]:
    market = create_department(session, ACTOR, AUTHORITY, "示范市市场监督管理局")
    environment = create_department(session, ACTOR, ENVIRONMENT, "示范市生态环境局")
    session.commit()
    return market, environment


def _load(
    session: Session, department: Department, path: Path, rows: list[dict[str, Any]]
) -> IngestResult:
    write_csv(path, rows, headers=HEADERS)
    result = ingest_file(session, "admin_penalty", path, actor=ACTOR, department=department)
    session.commit()
    return result


@pytest.fixture
def two_batches(
    session: Session, departments: tuple[Department, Department], tmp_path: Path
) -> tuple[Department, Department]:
    """Market: 4 rows, 1 impossible date. Environment: 5 rows, a bad USCC and a missing fact."""
    market, environment = departments
    _load(
        session,
        market,
        tmp_path / "market.csv",
        [good_row(n) for n in range(3)] + [good_row(3, 处罚决定日期="2026-02-30")],
    )
    _load(
        session,
        environment,
        tmp_path / "environment.csv",
        [_environment_row(n, company=10 + n) for n in range(3)]
        + [
            _environment_row(3, company=13, 统一社会信用代码="91440507MA00000000"),
            _environment_row(4, company=14, 违法事实=""),
        ],
    )
    return market, environment


def _by_department(session: Session) -> dict[str | None, dict[str, Any]]:
    return {e.department_uscc: e.as_dict() for e in quality_report(session)}


def test_each_department_gets_its_own_counts_and_error_kinds(
    session: Session, two_batches: tuple[Department, Department]
) -> None:
    report = _by_department(session)

    assert set(report) == {AUTHORITY, ENVIRONMENT}
    market = report[AUTHORITY]
    assert market["department"] == "示范市市场监督管理局"
    assert (market["batches"], market["rows"], market["accepted"], market["rejected"]) == (
        1,
        4,
        3,
        1,
    )
    assert market["acceptance_rate"] == 0.75
    assert market["error_kinds"] == {"CF_JDRQ": 1}
    environment = report[ENVIRONMENT]
    assert (environment["rows"], environment["accepted"], environment["rejected"]) == (5, 3, 2)
    assert environment["acceptance_rate"] == 0.6
    assert environment["error_kinds"] == {"CF_XDR_SHXYM": 1, "CF_SY": 1}
    assert market["open_code_conflicts"] == environment["open_code_conflicts"] == 0


def test_worst_department_comes_first(
    session: Session, two_batches: tuple[Department, Department]
) -> None:
    report = quality_report(session)
    assert [e.department_uscc for e in report] == [ENVIRONMENT, AUTHORITY]


def test_batches_of_one_department_add_up(
    session: Session, two_batches: tuple[Department, Department], tmp_path: Path
) -> None:
    market, _ = two_batches
    _load(
        session,
        market,
        tmp_path / "market-2.csv",
        [good_row(20), good_row(21, 处罚决定日期="someday")],
    )

    market_entry = _by_department(session)[AUTHORITY]

    assert (market_entry["batches"], market_entry["rows"], market_entry["accepted"]) == (2, 6, 4)
    assert market_entry["acceptance_rate"] == round(4 / 6, 4)
    assert market_entry["error_kinds"] == {"CF_JDRQ": 2}


def test_cli_json_report_prints_the_same_numbers(
    session: Session, two_batches: tuple[Department, Department]
) -> None:
    result = CliRunner().invoke(cli, ["quality", "report", "--json"])

    assert result.exit_code == 0, result.output
    printed = {e["department_uscc"]: e for e in json.loads(result.output)}
    expected = _by_department(session)
    for code in (AUTHORITY, ENVIRONMENT):
        for key in ("rows", "accepted", "rejected", "acceptance_rate", "error_kinds"):
            assert printed[code][key] == expected[code][key], (code, key)


def test_cli_text_report_names_each_department(
    session: Session, two_batches: tuple[Department, Department]
) -> None:
    result = CliRunner().invoke(cli, ["quality", "report"])

    assert result.exit_code == 0, result.output
    assert "示范市市场监督管理局" in result.output and "接收率75.0%" in result.output
    assert "示范市生态环境局" in result.output and "接收率60.0%" in result.output


def test_empty_platform_reports_no_batches(session: Session) -> None:
    assert quality_report(session) == []
    result = CliRunner().invoke(cli, ["quality", "report"])
    assert result.exit_code == 0 and "尚无报送批次" in result.output


def test_code_sent_with_another_name_is_an_open_conflict_of_that_department(
    session: Session, two_batches: tuple[Department, Department], tmp_path: Path
) -> None:
    _, environment = two_batches
    code, name = COMPANIES[0]  # loaded by the market bureau under its registered name
    renamed = _environment_row(30, company=0, 行政相对人名称="示范市改名后贸易有限公司")

    result = _load(session, environment, tmp_path / "environment-2.csv", [renamed])

    assert result.code_conflicts == 1
    assert result.accepted == 1  # the row is kept; the clerk decides about the name
    report = _by_department(session)
    assert report[ENVIRONMENT]["open_code_conflicts"] == 1
    assert report[AUTHORITY]["open_code_conflicts"] == 0
    assert name != renamed["行政相对人名称"] and code == renamed["统一社会信用代码"]


def test_quality_api_gives_staff_the_same_report(
    client: TestClient, session: Session, two_batches: tuple[Department, Department]
) -> None:
    market, _ = two_batches
    read_key = create_api_key(session, ACTOR, ["read"], department=market).key
    session.commit()

    response = client.get("/api/v1/quality", headers={"X-API-Key": read_key})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    shown = {e["department_uscc"]: e for e in body["departments"]}
    expected = _by_department(session)
    for code in (AUTHORITY, ENVIRONMENT):
        for key in ("rows", "accepted", "rejected", "acceptance_rate", "error_kinds"):
            assert shown[code][key] == expected[code][key], (code, key)


def test_quality_api_is_closed_to_the_public_and_to_ingest_only_keys(
    client: TestClient, session: Session, two_batches: tuple[Department, Department]
) -> None:
    market, _ = two_batches
    ingest_key = create_api_key(session, ACTOR, ["ingest"], department=market).key
    session.commit()

    public = client.get("/api/v1/quality")
    ingest_only = client.get("/api/v1/quality", headers={"X-API-Key": ingest_key})

    assert public.status_code == 401 and "API 密钥" in public.json()["detail"]
    assert ingest_only.status_code == 403  # a valid key without the right
