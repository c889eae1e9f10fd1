"""Grading and storing: ``evaluate`` grades a model's population (or some subjects of it) as
one computation; ``store`` writes the grades and, for every subject whose grade changed, closes
its open history entry and opens a new one (old grade, new grade, from when, why). Both are
set-based: the grades travel through a temporary table and a few statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.types import Date, DateTime, String

from xinyong.catalog.registry import get_catalog
from xinyong.clock import utcnow
from xinyong.db.bulk import insert_frame
from xinyong.evaluation.engine import GRADE_COLUMNS, grade_frame
from xinyong.evaluation.query import (
    SUBJECTS,
    Part,
    Reading,
    copied,
    parts,
    population,
    read_frame,
    reading_parameters,
    schema_of,
    statements,
    subject_values,
)
from xinyong.evaluation.schema import EvaluationModel

FEW = 1000  # up to so many subjects are read without COPY (PostgreSQL)
STAGE = "xinyong_evaluation_stage"
_STAGE_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (subject_id BIGINT, model VARCHAR(64), "
    "model_version VARCHAR(32), grade VARCHAR(8), score NUMERIC(12, 2), digest VARCHAR(64), "
    "explanation TEXT, decisive TEXT)"
)
GRADED_SCHEMA = {
    "subject_id": pl.Int64,
    "model": pl.String,
    "model_version": pl.String,
    "grade": pl.String,
    "score": pl.Float64,
    "digest": pl.String,
    "explanation": pl.String,
    "decisive": pl.String,
}
STAGED = ("subject_id", "model", "model_version", "grade", "score", "digest", "explanation")


@dataclass(frozen=True)
class Plan:
    """What reading some models needs: each model's parts and the statements reading them
    (built once per set of models, dialect and kind of run; days and subjects are bound)."""

    models: tuple[EvaluationModel, ...]
    parts: dict[str, list[Part]]
    readings: list[Reading]


_PLANS: dict[tuple[Any, ...], Plan] = {}


def plan(models: Sequence[EvaluationModel], dialect: str, by_subject: bool) -> Plan:
    key = (tuple(id(m) for m in models), dialect, by_subject)
    found = _PLANS.get(key)
    if found is None:  # the plan holds its models, so their ids are not reused meanwhile
        every = {m.code: parts(m, f"m{n}_") for n, m in enumerate(models)}
        flat = [p for ps in every.values() for p in ps]
        found = _PLANS[key] = Plan(
            tuple(models), every, statements(flat, dialect, get_catalog(), by_subject)
        )
    return found


def evaluate(
    session: Session,
    models: Sequence[EvaluationModel],
    as_of: date,
    subject_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """Grades under each model of every subject it applies to (or of ``subject_ids`` among
    them) on ``as_of``, read together: ``subject_id``, ``model``, ``model_version``,
    ``grade``, ``score``, ``digest``, ``explanation`` (JSON text), ``decisive``."""
    dialect = session.get_bind().dialect.name
    kinds = {k.value for m in models for k in m.subject_kinds}
    subjects = population(session, sorted(kinds), subject_ids)
    if subjects.height == 0:
        return pl.DataFrame(schema=GRADED_SCHEMA)
    chosen = plan(models, dialect, subject_ids is not None)
    flat = [p for ps in chosen.parts.values() for p in ps]
    params = reading_parameters(chosen.readings, flat, as_of)
    if subject_ids is not None:
        params[SUBJECTS] = subject_values(dialect, subject_ids)
    few = subject_ids is not None and len(subject_ids) <= FEW
    found = subjects.select("subject_id")
    for reading in chosen.readings:
        frame = read_frame(
            session, reading.statement, schema_of(reading.parts), params, copy=not few
        )
        found = found.join(
            copied(frame, reading), on="subject_id", how="left", maintain_order="left"
        )
    graded = []
    for n, model in enumerate(models):
        own = subjects.filter(pl.col("kind").is_in([k.value for k in model.subject_kinds]))
        if own.height:
            graded.append(
                grade_frame(model, own, found, f"m{n}_").select(
                    "subject_id",
                    pl.lit(model.code).alias("model"),
                    pl.lit(model.version).alias("model_version"),
                    *GRADE_COLUMNS[1:],
                )
            )
    return pl.concat(graded) if graded else pl.DataFrame(schema=GRADED_SCHEMA)


@dataclass(frozen=True)
class Stored:
    as_of: date
    graded: int  # grades written
    changed: int  # of which the grade changed (a history entry each)
    skipped: int  # subjects holding a later evaluation, left as they are


def _type(value: Any) -> Any:
    if isinstance(value, datetime):
        return DateTime()
    return Date() if isinstance(value, date) else String()


def _sql(session: Session, statement: str, **params: Any) -> Any:
    """A statement with named parameters (only those it uses), dates bound as dates."""
    used = {k: v for k, v in params.items() if f":{k}" in statement}
    bound = text(statement).bindparams(*(bindparam(k, type_=_type(v)) for k, v in used.items()))
    return session.execute(bound, used)


_SAME = "g.subject_id = s.subject_id AND g.model = s.model"


def store(session: Session, as_of: date, graded: pl.DataFrame, cause: str) -> Stored:
    """Write ``graded`` (from ``evaluate``) as the current grades on ``as_of``.

    A subject whose stored grade comes from a later day keeps it (an evaluation of an earlier
    day never overwrites a newer one). ``cause`` (Chinese) starts every history reason."""
    if graded.height == 0:
        return Stored(as_of, 0, 0, 0)
    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(text(_STAGE_DDL))
    session.execute(text(f"DELETE FROM {STAGE}"))
    insert_frame(session, STAGE, graded.select(*STAGED, "decisive"))
    now = utcnow()
    skipped = _sql(
        session,
        f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM evaluation_grades g "
        f"WHERE g.subject_id = {STAGE}.subject_id AND g.model = {STAGE}.model "
        "AND g.as_of > :as_of)",
        as_of=as_of,
    )
    _sql(
        session,
        "UPDATE evaluation_grade_history SET valid_to = :as_of WHERE valid_to IS NULL "
        f"AND (subject_id, model) IN (SELECT s.subject_id, s.model FROM {STAGE} s "
        f"JOIN evaluation_grades g ON {_SAME} WHERE g.grade <> s.grade)",
        as_of=as_of,
    )
    changed = _sql(
        session,
        "INSERT INTO evaluation_grade_history (subject_id, model, model_version, old_grade, "
        "grade, score, valid_from, valid_to, reason, digest, recorded_at) "
        "SELECT s.subject_id, s.model, s.model_version, g.grade, s.grade, s.score, :as_of, "
        "NULL, :cause || '：' || CASE WHEN g.grade IS NULL THEN '首次评价为' || s.grade || '级' "
        "ELSE g.grade || '级 → ' || s.grade || '级' END || '；' || s.decisive, s.digest, :now "
        f"FROM {STAGE} s LEFT JOIN evaluation_grades g ON {_SAME} "
        "WHERE g.grade IS NULL OR g.grade <> s.grade",
        as_of=as_of,
        cause=cause,
        now=now,
    )
    explanation = "CAST(explanation AS JSON)" if postgres else "explanation"
    written = _sql(
        session,
        "INSERT INTO evaluation_grades (subject_id, model, model_version, grade, score, as_of, "
        "computed_at, digest, explanation) SELECT subject_id, model, model_version, grade, "
        f"score, :as_of, :now, digest, {explanation} FROM {STAGE} WHERE true "
        "ON CONFLICT (subject_id, model) DO UPDATE SET model_version = excluded.model_version, "
        "grade = excluded.grade, score = excluded.score, as_of = excluded.as_of, "
        "computed_at = excluded.computed_at, digest = excluded.digest, "
        "explanation = excluded.explanation",
        as_of=as_of,
        now=now,
    )
    session.execute(text(f"DELETE FROM {STAGE}"))
    return Stored(
        as_of, int(written.rowcount or 0), int(changed.rowcount or 0), int(skipped.rowcount or 0)
    )
