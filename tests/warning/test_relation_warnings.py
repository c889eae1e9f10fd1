"""A person entering a serious list warns every company they control or represent."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).parents[1] / "graph"))
from graph_files import COMPANY, PERSON_ID, holding_row, officer_row, write_rows
from helpers import AUTHORITY

from xinyong.accounts.service import create_department
from xinyong.audit.log import Actor
from xinyong.ingest.pipeline import ingest_file, ingest_rows
from xinyong.warning.models import CreditWarning

TODAY = date(2026, 11, 22)
ACTOR = Actor("cli:test")


def load(session: Session, tmp_path: Path, item: str, rows: list[dict[str, Any]]) -> None:
    path = write_rows(tmp_path / f"{item}-{time.monotonic_ns()}.csv", rows)
    result = ingest_file(session, item, path, actor=ACTOR, today=TODAY)
    assert result.rejected == 0, result.as_dict()
    session.commit()


def black_list_row(person: int) -> dict[str, Any]:
    return {
        "HM_MC": f"股东{person}",
        "HM_LB": "自然人",
        "HM_ZJHM": PERSON_ID[person],
        "HM_MDLX": "拖欠农民工工资失信联合惩戒对象",
        "HM_RDWH": "示市监失认〔2026〕8号",
        "HM_RDYY": "拖欠农民工工资",
        "HM_RDYJ": "《最高人民法院关于公布失信被执行人名单信息的若干规定》",
        "HM_RDJG": "示范市市场监督管理局",
        "HM_RDJGDM": AUTHORITY,
        "HM_RDRQ": "2026-11-20",
        "HM_YXQZ": "2028-11-20",
        "HM_SJLY": "示范市市场监督管理局",
        "HM_SJLYDM": AUTHORITY,
    }


def test_a_controller_of_three_companies_entering_the_black_list_warns_all_three(
    session: Session, tmp_path: Path
) -> None:
    create_department(session, ACTOR, AUTHORITY, "示范市市场监督管理局", "示市监")
    session.commit()
    # Person 0 holds 60% of company 0 and 70% of company 1; company 1 holds 80% of company 2
    # (so person 0 controls 2 through 1); person 1 holds the rest and controls nothing;
    # company 3's majority holder is person 1, but person 0 is its legal representative.
    load(
        session,
        tmp_path,
        "shareholder",
        [
            holding_row(0, person=0, ratio="60"),
            holding_row(0, person=1, ratio="40"),
            holding_row(1, person=0, ratio="70"),
            holding_row(1, person=1, ratio="30"),
            holding_row(2, company=1, ratio="80"),
            holding_row(2, person=1, ratio="20"),
            holding_row(3, person=1, ratio="100"),
        ],
    )
    load(session, tmp_path, "key_personnel", [officer_row(3, 0, "执行董事", legal=True)])
    result = ingest_rows(session, "black_list", [black_list_row(0)], actor=ACTOR, today=TODAY)
    session.commit()
    assert result.rejected == 0, result.as_dict()
    found = list(
        session.execute(
            select(CreditWarning).where(
                CreditWarning.rule == "controller_listed", CreditWarning.recipient == "enterprise"
            )
        ).scalars()
    )
    by_role: dict[str, set[str]] = {}
    for w in found:
        by_role.setdefault(w.evidence["role"], set()).add(w.evidence["path"][-1])
    assert by_role == {
        "actual_controller": {COMPANY[0], COMPANY[1], COMPANY[2]},
        "legal_representative": {COMPANY[3]},
    }
    indirect = next(w for w in found if w.evidence["path"][-1] == COMPANY[2])
    # The path runs from the person through company 1 to company 2, and is told in words.
    assert indirect.evidence["path"][1:] == [COMPANY[1], COMPANY[2]]
    assert indirect.evidence["path"][0].startswith("P")  # the person by reference, no ID
    assert PERSON_ID[0] not in str(indirect.evidence) and PERSON_ID[0] not in indirect.reason
    assert "股东0 → 示范市测试1号有限公司 → 示范市测试2号有限公司" in indirect.reason
    assert "实际控制人" in indirect.reason and indirect.level == "橙"
    assert len(indirect.evidence["path_records"]) == 2
    # Sending the entry again warns nobody twice.
    again = ingest_rows(session, "black_list", [black_list_row(0)], actor=ACTOR, today=TODAY)
    session.commit()
    assert again.warnings == 0
