"""A national list file compared with local subjects: tasks for exactly the local ones."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from helpers import AUTHORITY, org, person
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department
from xinyong.audit.log import Actor
from xinyong.demo.identities import IdentityMaker
from xinyong.exchange.downward import import_list, read_list_file
from xinyong.measures.models import JointTask
from xinyong.subjects.models import Subject

ACTOR = Actor("cli:test")
COURT = IdentityMaker(random.Random(5)).uscc("11", "100000")


def _row(name: str, code: str, case: str, person_row: bool = False) -> dict[str, str]:
    row = {
        "SX_MC": name,
        "SX_LB": "自然人" if person_row else "法人及非法人组织",
        "SX_AH": case,
        "SX_ZXFY": "示范市中级人民法院",
        "SX_YJWH": "（2025）示01民初1号",
        "SX_ZCDW": "示范市中级人民法院",
        "SX_YW": "支付货款50万元",
        "SX_LXQK": "全部未履行",
        "SX_QX": "有履行能力而拒不履行生效法律文书确定义务",
        "SX_LARQ": "2026-03-01",
        "SX_FBRQ": "2026-06-01",
        "SX_SJLY": "最高人民法院",
        "SX_SJLYDM": COURT,
    }
    row["SX_ZJHM" if person_row else "SX_SHXYM"] = code
    return row


def test_a_national_file_with_five_local_subjects_makes_tasks_for_those_five(
    session: Session, tmp_path: Path
) -> None:
    office = create_department(
        session, ACTOR, AUTHORITY, "示范市发展和改革局", is_credit_office=True
    )
    ids = IdentityMaker(random.Random(11))
    locals_ = [
        org(session, ids.uscc("91", "440500"), f"示范市本地企业{n}有限公司") for n in range(4)
    ]
    resident = ids.resident_id("440507")
    locals_.append(person(session, resident, "王本地"))
    session.commit()
    rows = [_row(s.name, s.uscc or "", f"（2026）示01执{n}号") for n, s in enumerate(locals_[:4])]
    rows.append(_row("王本地", resident, "（2026）示01执9号", person_row=True))
    rows += [
        _row(f"外地企业{n}有限公司", ids.uscc("91", "110000"), f"（2026）京01执{n}号")
        for n in range(3)
    ]
    rows.append(_row("外地个人", ids.resident_id("110101"), "（2026）京01执9号", person_row=True))
    path = tmp_path / "national_dishonest_debtors.csv"
    header = list(rows[0].keys() | {"SX_SHXYM", "SX_ZJHM"})
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    subjects_before = session.query(Subject).count()

    result = import_list(
        session,
        ACTOR,
        office,
        "dishonest_judgment_debtor",
        read_list_file(path),
        source="nation",
        source_name=path.name,
        today=date(2026, 6, 5),
        rejected_dir=tmp_path,
    )
    session.commit()
    assert (result.total, result.local, result.not_local, result.loaded) == (9, 5, 4, 5)
    tasks = session.query(JointTask).all()
    assert {t.subject_id for t in tasks} == {s.id for s in locals_}
    assert result.subjects == 5 and result.tasks == len(tasks)
    assert {"P01", "P05"} <= {t.measure for t in tasks}
    assert session.query(Subject).count() == subjects_before  # no subject made from the file
    # The same file again: nothing new, no new tasks.
    again = import_list(
        session,
        ACTOR,
        office,
        "dishonest_judgment_debtor",
        read_list_file(path),
        source="nation",
        source_name=path.name,
        today=date(2026, 6, 6),
        rejected_dir=tmp_path,
    )
    session.commit()
    assert (again.unchanged, again.tasks) == (5, 0)
    assert session.query(JointTask).count() == len(tasks)
