"""Event and relation warnings raised by an ingest batch: level, recipients, evidence,
acknowledgement, de-duplication."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from penalty_files import AUTHORITY, COMPANIES, good_row, write_csv
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department
from xinyong.audit.log import Actor
from xinyong.audit.models import AuditEntry
from xinyong.ingest.models import Batch
from xinyong.ingest.pipeline import ingest_file, ingest_rows
from xinyong.permissions import PermissionDenied
from xinyong.permissions.policy import Principal
from xinyong.records.models import Record
from xinyong.warning.detect import run_warnings
from xinyong.warning.models import CreditWarning
from xinyong.warning.service import WarningError, acknowledge, list_warnings
from xinyong.workflow import TransitionError

TODAY = date(2026, 11, 22)
ACTOR = Actor("cli:test")
OFFICE = Principal("user:reviewer", kind="user", role="reviewer", credit_office=True)


def departments(session: Session) -> tuple[int, int]:
    market = create_department(session, ACTOR, AUTHORITY, "示范市市场监督管理局", "示市监")
    import random

    from xinyong.demo.identities import IdentityMaker

    office_code = IdentityMaker(random.Random(5)).uscc("11", "440500")
    office = create_department(
        session, ACTOR, office_code, "示范市发展和改革局", "示发改", is_credit_office=True
    )
    session.commit()
    return market.id, office.id


def serious_row(n: int) -> dict[str, Any]:
    return good_row(n, company=0, 处罚类别="吊销许可证件", 处罚内容="吊销许可证件")


def warnings(session: Session) -> list[CreditWarning]:
    session.expire_all()
    return list(session.execute(select(CreditWarning).order_by(CreditWarning.id)).scalars())


def test_a_serious_penalty_warns_the_company_its_department_and_the_office_once(
    session: Session, tmp_path: Path
) -> None:
    market, office = departments(session)
    # A general penalty for another company first (the process's first batch warms up).
    first = write_csv(tmp_path / "general.csv", [good_row(2, company=1)])
    ingest_file(session, "admin_penalty", first, actor=ACTOR, today=TODAY)
    session.commit()
    path = write_csv(tmp_path / "penalties.csv", [serious_row(1)])
    result = ingest_file(session, "admin_penalty", path, actor=ACTOR, today=TODAY)
    session.commit()
    found = warnings(session)
    batch = session.get(Batch, result.batch_id)
    assert batch is not None and batch.finished_at is not None
    record = session.execute(
        select(Record).where(Record.batch_id == result.batch_id, Record.severity == "serious")
    ).scalar_one()
    serious = [w for w in found if w.rule == "serious_penalty"]
    assert {(w.recipient, w.department_id) for w in serious} == {
        ("enterprise", None),
        ("department", market),
        ("credit_office", office),
    }
    assert all(w.level == "红" and w.state == "open" for w in serious)
    assert all(w.evidence["records"] == [record.id] for w in serious)
    # Raised in the batch's own transaction, right after its records were written: committed
    # with them, within a second of the batch's end.
    assert all(0 <= (w.created_at - batch.finished_at).total_seconds() < 1.0 for w in serious)
    # Written in the batch's transaction, within a second of the record.
    print([(w.created_at, record.recorded_at, record.received_at) for w in serious])
    assert all((w.created_at - record.recorded_at).total_seconds() < 1.0 for w in serious)
    assert COMPANIES[0][1] in serious[0].reason and "示市监罚〔2026〕2号" in serious[0].reason
    assert "国办发〔2020〕49号" in serious[0].basis
    # The general penalty of the other company is a yellow warning, not a red one.
    general = [w for w in found if w.rule == "general_penalty"]
    assert {w.level for w in general} == {"黄"} and len(general) == 2
    assert result.warnings == 3

    # Acknowledging closes it, recorded with who and when, and audited.
    department_warning = next(w for w in serious if w.recipient == "department")
    officer = Principal("user:officer", kind="user", role="data_officer", department_id=market)
    closed = acknowledge(session, officer, department_warning.id, "已约谈企业")
    session.commit()
    assert closed.state == "closed" and closed.closed_by == "user:officer"
    assert (
        session.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "warning.closed")
        ).scalar_one()
        == 1
    )
    with pytest.raises(TransitionError, match="已确认关闭"):
        acknowledge(session, officer, department_warning.id)
    # Another department's officer does not see it, and cannot close the office's.
    open_ones = list_warnings(session, officer)
    assert {w["recipient"] for w in open_ones} == {"department"}
    other = Principal("user:other", kind="user", role="data_officer", department_id=office + 99)
    assert list_warnings(session, other) == []

    # The same file again raises no second warning.
    again = ingest_file(session, "admin_penalty", path, actor=ACTOR, today=TODAY)
    session.commit()
    assert again.unchanged == 1 and again.warnings == 0
    assert len(warnings(session)) == len(found)
    # The daily run looks at the day's records again and finds them already warned about.
    assert run_warnings(session, TODAY)["by_rule"].get("serious_penalty", 0) == 0


def test_an_auditor_reads_warnings_but_cannot_close_them(session: Session, tmp_path: Path) -> None:
    departments(session)
    ingest_file(
        session,
        "admin_penalty",
        write_csv(tmp_path / "p.csv", [serious_row(1)]),
        actor=ACTOR,
        today=TODAY,
    )
    session.commit()
    auditor = Principal("user:auditor", kind="user", role="auditor", credit_office=True)
    shown = list_warnings(session, auditor)
    assert shown[0]["level"] == "红"  # most urgent first
    with pytest.raises(PermissionDenied):
        acknowledge(session, auditor, shown[0]["id"])
    with pytest.raises(WarningError, match="处理说明（note）过长"):
        acknowledge(session, OFFICE, shown[0]["id"], "说" * 501)


def test_a_licence_expiring_within_30_days_warns_at_once(session: Session) -> None:
    departments(session)
    code, name = COMPANIES[3]

    def licence(number: str, until: date) -> dict[str, Any]:
        return {
            "XK_XDR_MC": name,
            "XK_XDR_LB": "法人及非法人组织",
            "XK_XDR_SHXYM": code,
            "XK_FRDB": "陈一鸣",
            "XK_XKWS": "食品经营许可决定书",
            "XK_WSH": number,
            "XK_XKLB": "普通",
            "XK_NR": "食品经营",
            "XK_JDRQ": "2021-12-20",
            "XK_YXQZ": "2021-12-20",
            "XK_YXQZI": until.isoformat(),
            "XK_XKJG": "示范市市场监督管理局",
            "XK_XKJGDM": AUTHORITY,
            "XK_ZT": "有效",
            "XK_LYDW": "示范市市场监督管理局",
            "XK_LYDWDM": AUTHORITY,
        }

    rows = [
        licence("示市监许〔2021〕1号", date(2026, 12, 22)),  # day 30: warns
        licence("示市监许〔2021〕2号", date(2026, 12, 23)),  # day 31: not yet
    ]
    result = ingest_rows(session, "admin_license", rows, actor=ACTOR, today=TODAY)
    session.commit()
    assert result.rejected == 0, result.as_dict()
    found = [w for w in warnings(session) if w.rule == "licence_expiring"]
    assert {w.level for w in found} == {"蓝"}
    assert {w.recipient for w in found} == {"enterprise", "department"}
    assert all("示市监许〔2021〕1号" in w.reason and "2026-12-22" in w.reason for w in found)
