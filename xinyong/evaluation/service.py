"""Runs and re-grades: ``run_evaluation`` grades every applicable subject under the models in
force (the ``xinyong evaluation run`` command); ``regrade`` and ``regrade_subjects`` grade
again, at once, the subjects a change touched (a record saved or loaded, a list decision, a
repair, an objection outcome), in the caller's transaction, so the new grade is read as soon
as the change commits.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.clock import today
from xinyong.evaluation.registry import evaluation_model, evaluation_models
from xinyong.evaluation.schema import EvaluationModel
from xinyong.evaluation.store import evaluate, store
from xinyong.evaluation.tables import EvaluationRun
from xinyong.permissions import authorize
from xinyong.settings import get_settings


class EvaluationError(ValueError):
    """An evaluation request that cannot be served; the message is in Chinese."""


@dataclass
class RunReport:
    as_of: date
    models: list[dict[str, Any]] = field(default_factory=list)
    changed: int = 0  # grades that changed (a history entry each)
    skipped: int = 0  # grades left alone: the subject holds an evaluation of a later day
    seconds: float = 0.0
    engine: str = "embedded"  # XINYONG_ANALYTICS_ENGINE: embedded or spark

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["as_of"] = self.as_of.isoformat()
        return found


def models_in_force(day: date, codes: Sequence[str] | None = None) -> list[EvaluationModel]:
    if codes is not None:
        chosen = [evaluation_model(code) for code in codes]
        for model in chosen:
            if not model.in_force(day):
                raise EvaluationError(
                    f"评价模型 {model.code}（{model.version}）在 {day.isoformat()} 不在有效期内"
                )
        return chosen
    return [m for m in evaluation_models().values() if m.in_force(day)]


def due_on(day: date) -> list[str]:
    """The models in force whose cycle has a full run on ``day`` (daily; the first of the
    month, of the quarter, of the year)."""
    due = {
        "daily": True,
        "monthly": day.day == 1,
        "quarterly": day.day == 1 and day.month in (1, 4, 7, 10),
        "yearly": day.day == 1 and day.month == 1,
    }
    return [m.code for m in models_in_force(day) if due[m.cycle.kind]]


def run_evaluation(
    session: Session,
    actor: Actor,
    as_of: date,
    models: Sequence[str] | None = None,
    cause: str = "全量评价",
) -> RunReport:
    """Grade every subject every model in force on ``as_of`` applies to (or ``models``')."""
    authorize(actor, "evaluation.run")
    started = time.perf_counter()
    report = RunReport(as_of)
    chosen = models_in_force(as_of, models)
    if get_settings().analytics_engine == "spark":
        from xinyong.evaluation.distributed import evaluate_on_spark

        graded = evaluate_on_spark(session, chosen, as_of, compare=True)
        report.engine = "spark"
    else:
        graded = evaluate(session, chosen, as_of, compare=True)  # every model at once
    stored = store(session, as_of, graded, cause)
    report.changed, report.skipped = stored.changed, stored.skipped
    counts = graded.group_by("model", "grade").len().sort("model", "grade")
    moved = graded.filter(pl.col("old_grade").ne_missing(pl.col("grade"))).group_by("model").len()
    for found in chosen:
        own = counts.filter(pl.col("model") == found.code)
        entry = {
            "model": found.code,
            "version": found.version,
            "subjects": int(own["len"].sum()),
            "changed": int(moved.filter(pl.col("model") == found.code)["len"].sum()),
            "grades": dict(zip(own["grade"], own["len"], strict=True)),
        }
        report.models.append(entry)
        session.add(
            EvaluationRun(
                model=found.code,
                model_version=found.version,
                as_of=as_of,
                subjects=entry["subjects"],
                changed=entry["changed"],
            )
        )
    report.seconds = round(time.perf_counter() - started, 3)
    record_event(
        session,
        actor,
        "evaluation.run",
        "evaluation",
        ",".join(models) if models else "all",
        detail=report.as_dict(),
    )
    return report


def reads_item(model: EvaluationModel, item: str) -> bool:
    sources = [i.source for _, i in model.indicators] + [v.source for v in model.vetoes]
    return any(item in source.items for source in sources)


def regrade_subjects(
    session: Session,
    subject_ids: Iterable[int],
    cause: str,
    as_of: date | None = None,
    item: str | None = None,
) -> int:
    """Grade the given subjects again under every model in force that applies to them, in
    one computation; returns how many grades changed. Given the catalog ``item`` whose
    records changed, only the models reading that item (no other grade can move)."""
    day = as_of or today()
    models = [m for m in models_in_force(day) if item is None or reads_item(m, item)]
    if not models:
        return 0
    wanted = sorted(set(subject_ids))
    if not wanted or not models:
        return 0
    session.flush()
    graded = evaluate(session, models, day, wanted, compare=True)
    return store(session, day, graded, cause).changed


def regrade(
    session: Session,
    subject_id: int,
    cause: str,
    as_of: date | None = None,
    item: str | None = None,
) -> int:
    """``regrade_subjects`` for one subject (natural persons are never graded)."""
    return regrade_subjects(session, [subject_id], cause, as_of, item)
