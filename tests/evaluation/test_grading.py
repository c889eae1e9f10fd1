"""Grades as a user meets them: a black list decision drops a subject to the veto grade at
once, the explanation shows the list record first, a repair lifts it again and the history
keeps both changes with their reasons; the same database graded twice gives the same grades
and digests; a department's batch re-grades its subjects."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from helpers import AUTHORITY, org, penalty_values, repair_commitment, save_penalty, staff_headers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.evaluation import query
from xinyong.evaluation import store as evaluation_store
from xinyong.evaluation.registry import evaluation_model, evaluation_models
from xinyong.evaluation.scan import read_grouped
from xinyong.evaluation.service import run_evaluation
from xinyong.evaluation.store import evaluate
from xinyong.evaluation.tables import EvaluationGrade, GradeChange
from xinyong.ingest.pipeline import ingest_rows
from xinyong.records.models import Record
from xinyong.settings import reset_settings
from xinyong.subjects.models import Subject

ACTOR = Actor("cli:test")


def _evaluation(
    client: TestClient, code: str, headers: dict[str, str] | None = None, **q: str
) -> Any:
    response = client.get(f"/api/v1/subjects/{code}/evaluation", headers=headers or {}, params=q)
    assert response.status_code == 200, response.text
    return response.json()


def _act(client: TestClient, headers: dict[str, str], url: str, **body: object) -> Any:
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _set_today(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    monkeypatch.setenv("XINYONG_TODAY", day)
    reset_settings()


def test_black_list_drops_to_the_veto_grade_and_repair_lifts_it(
    session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = org(session)
    code = subject.uscc or ""
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), "示市监罚〔2026〕8号", "0.2")
    penalty_id = save_penalty(session, subject, values).record.id
    session.commit()
    headers = staff_headers(session, ["read", "admin"])
    before = _evaluation(client, code, headers)
    assert (before["model"], before["grade"], before["score"]) == (
        "general_enterprise",
        "B",
        "760.00",
    )

    # The credit office puts the subject on the black list (propose, notify, decide).
    entry = _act(
        client,
        headers,
        "/api/v1/list-recognitions",
        list_type="black_list",
        subtype="重大税收违法失信主体",
        subject=code,
        reasons="虚开增值税专用发票",
        basis="《重大税收违法失信主体信息公布管理办法》",
    )["id"]
    actions = f"/api/v1/list-recognitions/{entry}/actions"
    _act(client, headers, actions, action="notify")
    _set_today(monkeypatch, "2026-11-30")
    _act(
        client,
        headers,
        actions,
        action="decide",
        decision_number="示税失信〔2026〕1号",
        valid_until="2029-11-30",
    )
    listed = session.execute(select(Record.id).where(Record.item == "black_list")).scalar_one()
    after = _evaluation(client, code, headers)
    assert after["grade"] == "D" and after["as_of"] == "2026-11-30"
    first, second = after["explanation"][:2]
    assert (first["indicator"], first["veto"], first["records"]) == ("black_listed", True, [listed])
    assert (second["indicator"], second["records"]) == ("penalty_general", [penalty_id])
    public = _evaluation(client, code)
    assert public["grade"] == "D" and public["meaning"].startswith("信用状况较差")
    assert public["score"] is None and public["explanation"] is None and public["history"] is None

    # The subject repairs its credit; the approval lifts the grade again.
    repair_commitment(session, subject)
    _set_today(monkeypatch, "2026-12-07")
    application = _act(
        client,
        {},
        "/api/v1/repairs",
        record_id=listed,
        applicant=subject.name,
        obligations_attested=True,
    )
    for action in ("accept", "approve"):
        _act(
            client,
            headers,
            f"/api/v1/repairs/{application['id']}/actions",
            action=action,
            reason="符合修复条件",
        )
    repaired = _evaluation(client, code, headers)
    assert repaired["grade"] == "B" and repaired["explanation"][0]["indicator"] == "penalty_general"
    history = [(h["old_grade"], h["grade"], h["from"], h["to"]) for h in repaired["history"]]
    assert history == [
        (None, "B", "2026-11-22", "2026-11-30"),
        ("B", "D", "2026-11-30", "2026-12-07"),
        ("D", "B", "2026-12-07", None),
    ]
    down, up = repaired["history"][1]["reason"], repaired["history"][2]["reason"]
    assert "严重失信主体名单" in down and f"记录 {listed}" in down and "一票否决" in down
    assert up.startswith(f"信用修复准予（{application['tracking_code']}）") and "D级 → B级" in up
    # What was the grade on a past day: from the history.
    assert _evaluation(client, code, headers, as_of="2026-12-01")["grade"] == "D"
    assert _evaluation(client, code, headers, as_of="2026-11-25")["grade"] == "B"


def test_the_same_database_twice_gives_the_same_grades_and_digests(demo_city: Session) -> None:
    session = demo_city
    day = date(2026, 11, 22)
    # The demo's government bodies are graded when the city loads, on the same day.
    graded_on_load = session.execute(select(func.count()).select_from(EvaluationGrade)).scalar_one()
    first = run_evaluation(session, ACTOR, day)
    session.commit()
    stored = set(
        session.execute(
            select(
                EvaluationGrade.subject_id,
                EvaluationGrade.model,
                EvaluationGrade.grade,
                EvaluationGrade.digest,
            )
        ).all()
    )
    second = run_evaluation(session, ACTOR, day)
    session.commit()
    again = set(
        session.execute(
            select(
                EvaluationGrade.subject_id,
                EvaluationGrade.model,
                EvaluationGrade.grade,
                EvaluationGrade.digest,
            )
        ).all()
    )
    assert stored == again and len(stored) > 300
    assert second.changed == 0 and first.changed == len(stored) - graded_on_load
    assert [m["grades"] for m in first.models] == [m["grades"] for m in second.models]
    assert len({grade for _, model, grade, _ in stored if model == "yiwu_enterprise"}) >= 4
    model = evaluation_model("general_enterprise")
    assert evaluate(session, [model], day).equals(evaluate(session, [model], day))
    persons = session.execute(
        select(EvaluationGrade.subject_id)
        .join(Subject, Subject.id == EvaluationGrade.subject_id)
        .where(Subject.kind == "natural_person")
    ).all()
    assert persons == []  # natural persons are never graded


def test_a_batch_regrades_its_subjects_when_it_ends(session: Session, client: TestClient) -> None:
    subject = org(session)
    session.commit()
    assert session.get(EvaluationGrade, (subject.id, "general_enterprise")) is None
    row = {
        "CF_XDR_MC": subject.name,
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": subject.uscc,
        "CF_FRDB": "陈一鸣",
        "CF_WSH": "示市监罚〔2026〕30号",
        "CF_WFXW": "无证经营",
        "CF_SY": "经查，当事人无证经营。",
        "CF_YJ": "《无证无照经营查处办法》第十三条",
        "CF_CFLB": "吊销许可证件",
        "CF_NR": "吊销许可证件",
        "CF_JDRQ": "2026-10-01",
        "CF_YXQ": "2026-10-01",
        "CF_CFJG": "示范市市场监督管理局",
        "CF_CFJGDM": AUTHORITY,
        "CF_SJLY": "示范市市场监督管理局",
        "CF_SJLYDM": AUTHORITY,
    }
    result = ingest_rows(session, "admin_penalty", [row], actor=ACTOR, publish=True)
    session.commit()
    assert result.accepted == 1
    grade = session.get(EvaluationGrade, (subject.id, "general_enterprise"))
    assert grade is not None and grade.grade == "C" and float(grade.score) == 680.0
    assert grade.explanation[0]["indicator"] == "penalty_serious"
    change = session.execute(
        select(GradeChange).where(
            GradeChange.subject_id == subject.id, GradeChange.model == "general_enterprise"
        )
    ).scalar_one()
    assert change.reason.startswith(f"数据报送批次 {result.batch_id}（行政处罚信息）")
    # The same batch again writes no record and changes no grade.
    again = ingest_rows(session, "admin_penalty", [row], actor=ACTOR, publish=True)
    session.commit()
    assert again.unchanged == 1
    changes = select(GradeChange).where(GradeChange.subject_id == subject.id)
    assert len(session.execute(changes).scalars().all()) == 3  # one per model, first grading


def test_an_earlier_day_never_overwrites_a_later_grade(session: Session) -> None:
    subject = org(session)
    session.commit()
    run_evaluation(session, ACTOR, date(2026, 11, 22), ["general_enterprise"])
    report = run_evaluation(session, ACTOR, date(2026, 10, 1), ["general_enterprise"])
    session.commit()
    assert report.skipped == 1
    grade = session.get(EvaluationGrade, (subject.id, "general_enterprise"))
    assert grade is not None and grade.as_of == date(2026, 11, 22)


def test_every_way_of_reading_gives_the_same_grades(
    demo_city: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole run (on SQLite large items read in one pass and grouped in Polars), the same
    run through SQL's grouping, and a re-grade of every subject agree to the digest."""
    session = demo_city
    models = list(evaluation_models().values())
    day = date(2026, 11, 22)
    columns = ["subject_id", "model", "grade", "score", "digest", "explanation", "decisive"]
    monkeypatch.setattr(query, "SCAN_MIN_RECORDS", 0)
    monkeypatch.setattr(query, "SCAN_SHARE", 0.0)  # every item in one pass
    passes: list[tuple[str, ...]] = []

    def one_pass(session: Session, reading: query.Reading, *args: Any) -> pl.DataFrame:
        passes.append(reading.items)
        return read_grouped(session, reading, *args)

    monkeypatch.setattr(evaluation_store, "read_grouped", one_pass)
    scanned = evaluate(session, models, day).select(columns).sort("model", "subject_id")
    if session.get_bind().dialect.name == "sqlite":  # PostgreSQL groups in SQL
        assert {("admin_penalty",), ("admin_inspection",), ("tax_credit_grade",)} <= set(passes)
    monkeypatch.setattr(query, "SCAN_SHARE", 2.0)
    grouped = evaluate(session, models, day).select(columns).sort("model", "subject_id")
    ids = scanned["subject_id"].unique().to_list()
    one_by_one = evaluate(session, models, day, ids).select(columns).sort("model", "subject_id")
    assert scanned.equals(grouped) and scanned.equals(one_by_one)
    assert scanned.height > 600 and scanned.filter(pl.col("explanation") != "[]").height > 100
