"""The daily job re-grades what the end of a publicity period changes, and runs the models
whose cycle falls on the day; the command line runs and lists the models."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from helpers import org, penalty_values, save_penalty
from sqlalchemy.orm import Session

from xinyong.cli.main import cli
from xinyong.evaluation.service import due_on
from xinyong.evaluation.tables import EvaluationGrade
from xinyong.settings import reset_settings


def test_an_expired_penalty_lifts_the_grade_in_the_daily_job(
    session: Session, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XINYONG_TODAY", "2026-06-15")
    reset_settings()
    subject = org(session)
    ended = penalty_values(subject, ["罚款"], date(2026, 5, 1), "E", "0.2", date(2026, 6, 30))
    save_penalty(session, subject, ended)
    session.commit()
    before = session.get(EvaluationGrade, (subject.id, "yiwu_enterprise"))
    assert before is not None and before.grade == "C"  # 100 - 5
    monkeypatch.setenv("XINYONG_TODAY", "2026-11-22")
    reset_settings()
    result = CliRunner().invoke(cli, ["jobs", "run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["expired"] == 1 and report["regraded"] >= 1
    assert report["evaluated"] == ["gov_integrity", "weihai_market"]  # the daily cycles
    session.expire_all()
    after = session.get(EvaluationGrade, (subject.id, "yiwu_enterprise"))
    assert after is not None and after.grade == "B" and after.as_of == date(2026, 11, 22)


def test_cycles_fall_on_their_days() -> None:
    assert due_on(date(2026, 11, 22)) == ["gov_integrity", "weihai_market"]
    assert due_on(date(2026, 12, 1)) == [
        "general_enterprise",
        "gov_integrity",
        "weihai_market",
        "yiwu_enterprise",
    ]


def test_the_command_line_runs_and_lists(session: Session, db_url: str) -> None:
    org(session)
    session.commit()
    runner = CliRunner()
    listed = runner.invoke(cli, ["evaluation", "models"])
    assert listed.exit_code == 0 and "yiwu_enterprise（2025.1）" in listed.output
    ran = runner.invoke(cli, ["evaluation", "run", "--as-of", "2026-11-22", "--json"])
    assert ran.exit_code == 0, ran.output
    body = json.loads(ran.output)
    # An enterprise only: the government integrity model grades no one.
    assert body["changed"] == 3 and [m["grades"] for m in body["models"]] == [
        {"B": 1},
        {},
        {"B": 1},
        {"B": 1},
    ]
    wrong = runner.invoke(cli, ["evaluation", "run", "--model", "nope"])
    assert wrong.exit_code != 0 and "评价模型“nope”不存在" in wrong.output
