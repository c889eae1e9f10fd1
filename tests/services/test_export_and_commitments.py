from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from fastapi.testclient import TestClient
from helpers import (
    AUTHORITY,
    make_person_id,
    org,
    penalty_values,
    person,
    save_penalty,
    staff_headers,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.cli.main import cli
from xinyong.records.models import Record
from xinyong.records.store import save_record


def test_export_is_incremental_with_national_code_headers(
    session: Session, db_url: str, tmp_path: Path
) -> None:
    subject = org(session)
    resident_id = make_person_id(21)
    someone = person(session, resident_id)
    save_penalty(
        session, subject, penalty_values(subject, ["罚款"], date(2026, 5, 1), "X-1", fine_wan="0.2")
    )
    save_penalty(
        session,
        someone,
        penalty_values(
            someone, ["罚款"], date(2026, 5, 2), "X-2", fine_wan="0.1", resident_id=resident_id
        ),
    )
    save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 5, 3), "X-3", fine_wan="0.3"),
        published=False,
    )
    session.commit()
    out = tmp_path / "export"
    first = CliRunner().invoke(cli, ["publicity", "export", "admin_penalty", "--out", str(out)])
    assert first.exit_code == 0 and "已导出2条" in first.output, first.output
    exported = pl.read_csv(next(out.glob("*.csv")), infer_schema=False)
    assert exported.columns[:3] == ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM"]
    assert sorted(exported["CF_WSH"].to_list()) == ["X-1", "X-2"]
    assert resident_id in exported["CF_XDR_ZJHM"].to_list(), "upward reports carry full IDs"
    second = CliRunner().invoke(cli, ["publicity", "export", "admin_penalty", "--out", str(out)])
    assert "没有新的" in second.output
    xlsx = CliRunner().invoke(
        cli,
        ["publicity", "export", "admin_penalty", "--out", str(out), "--format", "xlsx", "--full"],
    )
    assert xlsx.exit_code == 0 and "已导出2条" in xlsx.output


def _commitment(session: Session, subject, disclosure: str = "可向社会公开") -> Record:  # type: ignore[no-untyped-def]
    return save_record(
        session,
        get_catalog().item("commitment"),
        subject,
        {
            "CN_BM": "44050020260601000123",
            "CN_RLB": "法人及非法人组织",
            "CN_RMC": subject.name,
            "CN_RDM": subject.uscc,
            "CN_LX": "审批替代型",
            "CN_SY": "申请食品经营许可",
            "CN_NR": "三个月内补齐环评批复",
            "CN_WNZR": "撤销许可并记入失信记录",
            "CN_RQ": "2026-06-01",
            "CN_YXQ": "2027-06-01",
            "CN_SLDW": "示范市市场监督管理局",
            "CN_SLDWDM": AUTHORITY,
            "CN_GKLX": disclosure,
        },
        department_id=None,
    ).record


def test_public_commitments_and_a_breach_creates_a_linked_dishonesty_record(
    session: Session, client: TestClient
) -> None:
    subject = org(session)
    commitment = _commitment(session, subject)
    session.commit()
    listed = client.get("/api/v1/commitments").json()
    assert [c["number"] for c in listed["items"]] == ["44050020260601000123"]
    headers = staff_headers(session, ["read", "admin"])
    breach = client.post(
        f"/api/v1/commitments/{commitment.id}/breach",
        headers=headers,
        json={"state": "全部未履行", "unfulfilled": "未补齐环评批复", "liability": "撤销许可"},
    )
    assert breach.status_code == 200, breach.text
    assert breach.json()["fields"]["WN_BM"] == "44050020260601000123"
    session.expire_all()
    current = session.execute(
        select(Record).where(Record.item == "commitment", Record.is_current.is_(True))
    ).scalar_one()
    assert current.fields["CN_LXZT"] == "全部未履行" and current.version == 2
    body = client.get(f"/api/v1/subjects/{subject.uscc}").json()
    assert body["counts"]["commitment_breach"] == 1
    wrong = client.post(
        f"/api/v1/commitments/{commitment.id}/breach",
        headers=headers,
        json={"state": "全部履行", "unfulfilled": "x", "liability": "y"},
    )
    assert wrong.status_code == 422 and "履行状态" in wrong.json()["detail"]
