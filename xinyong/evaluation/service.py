"""Runs and re-grades: ``run_evaluation`` grades every applicable subject under the models in
force (the ``xinyong evaluation run`` command); ``regrade`` and ``regrade_subjects`` grade
again, at once, the subjects a change touched (a record saved or loaded, a list decision, a
repair, an objection outcome), in the caller's transaction, so the new grade is read as soon
as the change commits.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.clock import today
from xinyong.evaluation.registry import evaluation_model, evaluation_models
from xinyong.evaluation.schema import EvaluationModel
from xinyong.evaluation.store import evaluate, store
from xinyong.permissions import authorize
from xinyong.subjects.models import Subject


class EvaluationError(ValueError):
    """An evaluation request that cannot be served; the message is in Chinese."""


@dataclass
class RunReport:
    as_of: date
    models: list[dict[str, Any]] = field(default_factory=list)
    changed: int = 0  # grades that changed (a history entry each)
    skipped: int = 0  # grades left alone: the subject holds an evaluation of a later day
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["as_of"] = self.as_of.isoformat()
        return found


def models_in_force(day: date, code: str | None = None) -> list[EvaluationModel]:
    if code is not None:
        model = evaluation_model(code)
        if not model.in_force(day):
            raise EvaluationError(
                f"评价模型 {code}（{model.version}）在 {day.isoformat()} 不在有效期内"
            )
        return [model]
    return [m for m in evaluation_models().values() if m.in_force(day)]


def run_evaluation(
    session: Session,
    actor: Actor,
    as_of: date,
    model: str | None = None,
    cause: str = "全量评价",
) -> RunReport:
    """Grade every subject every model in force on ``as_of`` applies to (or ``model``'s)."""
    authorize(actor, "evaluation.run")
    started = time.perf_counter()
    report = RunReport(as_of)
    chosen = models_in_force(as_of, model)
    graded = evaluate(session, chosen, as_of)  # every model at once: each item read once
    stored = store(session, as_of, graded, cause)
    report.changed, report.skipped = stored.changed, stored.skipped
    counts = graded.group_by("model", "grade").len().sort("model", "grade")
    for found in chosen:
        own = counts.filter(pl.col("model") == found.code)
        report.models.append(
            {
                "model": found.code,
                "version": found.version,
                "subjects": int(own["len"].sum()),
                "grades": dict(zip(own["grade"], own["len"], strict=True)),
            }
        )
    report.seconds = round(time.perf_counter() - started, 3)
    record_event(
        session,
        actor,
        "evaluation.run",
        "evaluation",
        model or "all",
        detail=report.as_dict(),
    )
    return report


def regrade_subjects(
    session: Session, subject_ids: Iterable[int], cause: str, as_of: date | None = None
) -> int:
    """Grade the given subjects again under every model in force that applies to them, in
    one computation; returns how many grades changed."""
    wanted = sorted(set(subject_ids))
    day = as_of or today()
    models = models_in_force(day)
    if not wanted or not models:
        return 0
    session.flush()
    return store(session, day, evaluate(session, models, day, wanted), cause).changed


def regrade(session: Session, subject_id: int, cause: str, as_of: date | None = None) -> int:
    """``regrade_subjects`` for one subject (natural persons are never graded)."""
    return regrade_subjects(session, [subject_id], cause, as_of)


def current_grades(session: Session, subject_id: int) -> dict[str, str]:
    """The subject's stored grade under each model."""
    from xinyong.evaluation.tables import EvaluationGrade

    rows = session.execute(
        select(EvaluationGrade.model, EvaluationGrade.grade).where(
            EvaluationGrade.subject_id == subject_id
        )
    ).all()
    return {row.model: row.grade for row in rows}


def graded_frame(session: Session, model: str, as_of: date) -> pl.DataFrame:
    """Grades of ``model``'s whole population on ``as_of``, computed and not stored (reports)."""
    return evaluate(session, [evaluation_model(model)], as_of)


def subject_kind(session: Session, subject_id: int) -> str | None:
    return session.execute(select(Subject.kind).where(Subject.id == subject_id)).scalar()
