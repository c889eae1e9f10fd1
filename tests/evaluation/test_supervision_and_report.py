"""Graded supervision and validation: the month's inspection list is drawn per grade at the
domain's ratios and is the same every time it is drawn; the validation report shows D-grade
subjects meeting the outcome (serious dishonesty list, serious penalty) more often than
A-grade ones on the demo city's history, with stable month-to-month distributions."""

from __future__ import annotations

import math
import random
from datetime import date
from pathlib import Path

import pytest
from helpers import AUTHORITY, black_list_entry, org, penalty_values, save_penalty
from sqlalchemy import update
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.demo.city import build_city
from xinyong.demo.identities import IdentityMaker
from xinyong.evaluation.report import auc_ks, build_report, psi
from xinyong.evaluation.service import run_evaluation
from xinyong.evaluation.supervision import SupervisionError, draw, supervision_domains
from xinyong.records.models import Record
from xinyong.records.store import save_record
from xinyong.subjects.models import Subject

ACTOR = Actor("cli:test")
DAY = date(2026, 11, 22)


@pytest.fixture
def city(session: Session) -> Session:
    build_city(session, get_catalog(), "示范市", DAY, subjects=1500, seed=7)
    run_evaluation(session, ACTOR, DAY)
    session.commit()
    return session


def test_the_inspection_list_follows_the_ratios_and_is_reproducible(city: Session) -> None:
    first = draw(city, ACTOR, "market_supervision", "2026-11", DAY)
    again = draw(city, ACTOR, "market_supervision", "2026-11", DAY)
    assert first.as_dict() == again.as_dict()
    ratios = supervision_domains()["market_supervision"].ratios
    for stratum in first.strata:
        population = stratum["population"]
        expected = max(math.ceil(ratios[stratum["grade"]] * population), 1) if population else 0
        assert stratum["drawn"] == min(expected, population)
        listed = [s for s in first.subjects if s["grade"] == stratum["grade"]]
        assert len(listed) == stratum["drawn"]
    by_grade = {s["grade"]: s for s in first.strata}
    assert by_grade["D"]["drawn"] / by_grade["D"]["population"] > (
        by_grade["B"]["drawn"] / by_grade["B"]["population"]
    )
    other = draw(city, ACTOR, "market_supervision", "2026-12", DAY)
    assert {s["code"] for s in other.subjects} != {s["code"] for s in first.subjects}
    with pytest.raises(SupervisionError, match="监管领域“nope”不存在"):
        draw(city, ACTOR, "nope", "2026-11", DAY)


def test_the_report_describes_the_demo_city(city: Session, tmp_path: Path) -> None:
    report = build_report(city, ACTOR, "general_enterprise", DAY, months=3, out=tmp_path)
    assert [e["month_end"] for e in report.stability] == [
        "2026-08-31",
        "2026-09-30",
        "2026-10-31",
        "2026-11-22",
    ]
    assert all(e["psi"] < 0.1 for e in report.stability[1:])  # a quiet city is stable
    assert sum(report.by_kind["enterprise"].values()) == sum(report.distribution.values())
    assert report.validation["graded_on"] == "2025-11-22"
    chart = Path(report.chart or "").read_text(encoding="utf-8")
    assert chart.startswith("<svg") and "AUC" in chart


def _subjects(session: Session, n: int, start: int) -> list[Subject]:
    maker = IdentityMaker(random.Random(start))
    return [
        org(session, maker.uscc("91", "440507"), f"示范市测试{start + k}有限公司") for k in range(n)
    ]


def test_d_grades_meet_the_outcome_more_often_than_a_grades(session: Session) -> None:
    """Subjects on the black list a year ago (D) get serious penalties since; red-listed ones
    (A) do not: the report's outcome rate is higher for D, and the score separates them."""
    listed = _subjects(session, 4, 100)
    honoured = _subjects(session, 6, 200)
    plain = _subjects(session, 10, 300)
    for n, subject in enumerate(listed):
        black_list_entry(session, subject, "2027-12-31")  # decided 2025-12-01
        _backdate(session, subject, "black_list", date(2025, 6, 1))
        values = penalty_values(subject, ["吊销许可证件"], date(2026, 3, 1), f"严〔2026〕{n}号")
        save_penalty(session, subject, values)
    for subject in honoured:
        red_list_entry(session, subject)
    session.commit()
    report = build_report(session, ACTOR, "general_enterprise", DAY, months=1)
    rates = {row["grade"]: row for row in report.validation["by_grade"]}
    assert rates["D"]["subjects"] == 4 and rates["D"]["rate"] == 1.0
    assert rates["A"]["subjects"] == 6 and rates["A"]["rate"] == 0.0
    assert rates["B"]["subjects"] == len(plain) and rates["B"]["rate"] == 0.0
    assert report.validation["auc"] == 1.0 and report.validation["ks"] == 1.0


def test_psi_auc_and_ks_on_known_values() -> None:
    assert psi({"A": 50, "B": 50}, {"A": 50, "B": 50}, ["A", "B"]) == 0.0
    assert psi({"A": 90, "B": 10}, {"A": 10, "B": 90}, ["A", "B"]) > 1
    import polars as pl

    scores = pl.Series([10.0, 20.0, 30.0, 40.0])
    assert auc_ks(scores, pl.Series([True, True, False, False])) == (1.0, 1.0)
    assert auc_ks(scores, pl.Series([False, False, True, True])) == (0.0, 1.0)  # inverted


def _backdate(session: Session, subject: Subject, item: str, day: date) -> None:
    session.execute(
        update(Record)
        .where(Record.subject_id == subject.id, Record.item == item)
        .values(decision_date=day, valid_from=day)
    )


def red_list_entry(session: Session, subject: Subject) -> None:
    save_record(
        session,
        get_catalog().item("red_list"),
        subject,
        {
            "HB_MC": subject.name,
            "HB_LB": "法人及非法人组织",
            "HB_SHXYM": subject.uscc,
            "HB_MDLX": "守合同重信用企业",
            "HB_RDWH": f"示市监守〔2025〕{subject.id}号",
            "HB_RDYJ": "《守合同重信用企业公示管理办法》",
            "HB_RDJG": "示范市市场监督管理局",
            "HB_RDJGDM": AUTHORITY,
            "HB_RDRQ": "2025-01-10",
            "HB_YXQZ": "2027-01-09",
            "HB_SJLY": "示范市市场监督管理局",
            "HB_SJLYDM": AUTHORITY,
        },
        department_id=None,
    )
