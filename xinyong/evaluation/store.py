"""Grading and storing: ``evaluate`` grades a model's population (or some subjects of it) as
one computation; ``store`` writes the grades and, for every subject whose grade changed, closes
its open history entry and opens a new one (old grade, new grade, from when, why). Both are
set-based: the grades travel through a temporary table and a few statements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import and_, bindparam, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import Date, DateTime, String

from xinyong.catalog.registry import get_catalog
from xinyong.clock import utcnow
from xinyong.db.bulk import insert_frame
from xinyong.evaluation.engine import GRADE_COLUMNS, STORED_SCHEMA, grade_frame
from xinyong.evaluation.query import (
    SUBJECTS,
    Part,
    Reading,
    among_subjects,
    copied,
    parts,
    population,
    read_frame,
    reading_parameters,
    scanned_items,
    schema_of,
    statements,
    subject_values,
)
from xinyong.evaluation.scan import read_grouped
from xinyong.evaluation.schema import EvaluationModel
from xinyong.evaluation.tables import EvaluationGrade, GradeChange

FEW = 1000  # up to so many subjects are read without COPY (PostgreSQL)
STAGE = "xinyong_evaluation_stage"
_STAGE_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (subject_id BIGINT, model VARCHAR(64), "
    "model_version VARCHAR(32), grade VARCHAR(8), score NUMERIC(12, 2), digest VARCHAR(64), "
    "explanation TEXT)"
)
KEYS = "xinyong_evaluation_keys"
_KEYS_DDL = f"CREATE TEMPORARY TABLE IF NOT EXISTS {KEYS} (subject_id BIGINT, model VARCHAR(64))"
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


def plan(
    models: Sequence[EvaluationModel], dialect: str, by_subject: bool, together: bool = False
) -> Plan:
    key = (tuple(id(m) for m in models), dialect, by_subject, together)
    found = _PLANS.get(key)
    if found is None:  # the plan holds its models, so their ids are not reused meanwhile
        every = {m.code: parts(m, f"m{n}_") for n, m in enumerate(models)}
        flat = [p for ps in every.values() for p in ps]
        found = _PLANS[key] = Plan(
            tuple(models), every, statements(flat, dialect, get_catalog(), by_subject, together)
        )
    return found


def evaluate(
    session: Session,
    models: Sequence[EvaluationModel],
    as_of: date,
    subject_ids: Sequence[int] | None = None,
    compare: bool = False,
) -> pl.DataFrame:
    """Grades under each model of every subject it applies to (or of ``subject_ids`` among
    them) on ``as_of``, read together: ``subject_id``, ``model``, ``model_version``,
    ``grade``, ``score``, ``digest``, ``explanation`` (JSON text), ``decisive``; with
    ``compare``, also the stored grades (``old_grade``, ``old_digest``, ``old_version``,
    ``old_as_of``) and no explanation where the stored one stands (see ``grade_frame``)."""
    dialect = session.get_bind().dialect.name
    kinds = {k.value for m in models for k in m.subject_kinds}
    subjects = population(session, sorted(kinds), subject_ids)
    if subjects.height == 0:
        return empty_graded(compare)
    few = subject_ids is not None and len(subject_ids) <= FEW
    chosen = plan(models, dialect, subject_ids is not None, together=few)
    flat = [p for ps in chosen.parts.values() for p in ps]
    params = reading_parameters(chosen.readings, flat, as_of)
    if subject_ids is not None:
        params[SUBJECTS] = subject_values(dialect, subject_ids)
    found = subjects.select("subject_id")
    scanned: set[str] = set()
    if subject_ids is None and dialect == "sqlite":
        scanned = scanned_items(session, sorted({i for r in chosen.readings for i in r.items}))
    for reading in chosen.readings:
        if scanned & set(reading.items):  # SQLite: one pass over the table, Polars groups
            frame = read_grouped(session, reading, params, get_catalog())
        else:
            schema = schema_of(reading.parts)
            frame = read_frame(session, reading.statement, schema, params, copy=not few)
        found = found.join(
            copied(frame, reading), on="subject_id", how="left", maintain_order="left"
        )
    stored = stored_grades(session, models, subject_ids, few) if compare else None
    return grade_found(models, subjects, found, stored)


def empty_graded(compare: bool) -> pl.DataFrame:
    """No grades, with ``evaluate``'s columns (and the stored grades' with ``compare``)."""
    empty = pl.DataFrame(schema=GRADED_SCHEMA)
    if compare:  # the stored grades' columns too, as for a population
        extra = list(STORED_SCHEMA.items())[1:]
        empty = empty.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in extra)
    return empty


def grade_found(
    models: Sequence[EvaluationModel],
    subjects: pl.DataFrame,
    found: pl.DataFrame,
    stored: pl.DataFrame | None,
) -> pl.DataFrame:
    """Every model's grades of ``subjects`` (``subject_id``, ``kind``) from ``found`` (the
    readings' aggregates joined per subject; parts prefixed ``m<n>_`` by the models' order),
    compared with ``stored`` when given. The embedded run and the Spark job (per bucket of
    subjects) both grade here."""
    graded = []
    for n, model in enumerate(models):
        own = subjects.filter(pl.col("kind").is_in([k.value for k in model.subject_kinds]))
        if own.height:
            mine = None
            if stored is not None:
                mine = stored.filter(pl.col("model") == model.code).drop("model")
            frame = grade_frame(model, own, found, f"m{n}_", mine)
            graded.append(
                frame.select(
                    "subject_id",
                    pl.lit(model.code).alias("model"),
                    pl.lit(model.version).alias("model_version"),
                    *GRADE_COLUMNS[1:],
                    *(list(STORED_SCHEMA)[1:] if stored is not None else []),
                )
            )
    return pl.concat(graded) if graded else empty_graded(stored is not None)


def stored_grades(
    session: Session,
    models: Sequence[EvaluationModel],
    subject_ids: Sequence[int] | None,
    few: bool,
) -> pl.DataFrame:
    """The stored grades of ``models`` (of ``subject_ids``), as ``grade_frame`` compares them."""
    g = EvaluationGrade
    statement = select(g.subject_id, g.model, g.grade, g.digest, g.model_version, g.as_of).where(
        g.model.in_([m.code for m in models])
    )
    params: dict[str, Any] = {}
    if subject_ids is not None:
        dialect = session.get_bind().dialect.name
        statement = statement.where(among_subjects(dialect, g.subject_id))
        params[SUBJECTS] = subject_values(dialect, subject_ids)
    schema = {"subject_id": pl.Int64, "model": pl.String} | dict(list(STORED_SCHEMA.items())[1:])
    return read_frame(session, statement, schema, params, copy=not few)


@dataclass(frozen=True)
class Stored:
    as_of: date
    written: int  # grades written (new, or different inputs, model version or grade)
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


def store(session: Session, as_of: date, graded: pl.DataFrame, cause: str) -> Stored:
    """Write ``graded`` (from ``evaluate(..., compare=True)``) as the grades on ``as_of``.

    Only what differs from the stored grades is written: a grade with the same inputs,
    model version and grade stays as it is. Every change of grade closes the subject's open
    history entry and opens one (old grade, new grade, from ``as_of``, why: ``cause`` then
    the decisive fact). A subject whose stored grade comes from a later day keeps it (an
    evaluation of an earlier day never overwrites a newer one)."""
    if graded.height == 0:
        return Stored(as_of, 0, 0, 0)
    later = (pl.col("old_as_of") > as_of).fill_null(False)
    same = (
        (pl.col("old_digest") == pl.col("digest"))
        & (pl.col("old_version") == pl.col("model_version"))
        & (pl.col("old_grade") == pl.col("grade"))
    ).fill_null(False)
    written = graded.filter(~later & ~same)
    moved = written.filter(pl.col("old_grade").ne_missing(pl.col("grade")))
    if written.height > FEW:
        _history(session, as_of, moved, cause)
        _upsert(session, as_of, written)
    elif written.height:  # a re-grade: a few statements, no temporary tables
        _history_few(session, as_of, moved, cause)
        _upsert_few(session, as_of, written)
    return Stored(as_of, written.height, moved.height, graded.filter(later).height)


def _changes(as_of: date, moved: pl.DataFrame, cause: str) -> pl.DataFrame:
    """The history entries the moved grades open."""
    change = (
        pl.when(pl.col("old_grade").is_null())
        .then(pl.concat_str(pl.lit("首次评价为"), pl.col("grade"), pl.lit("级")))
        .otherwise(pl.concat_str("old_grade", pl.lit("级 → "), "grade", pl.lit("级")))
    )
    return moved.select(
        "subject_id",
        "model",
        "model_version",
        pl.col("old_grade"),
        "grade",
        pl.col("score").cast(pl.Decimal(12, 2)),
        pl.lit(as_of).alias("valid_from"),
        pl.lit(None, dtype=pl.Date).alias("valid_to"),
        pl.concat_str(pl.lit(cause + "："), change, pl.lit("；"), "decisive").alias("reason"),
        "digest",
        pl.lit(utcnow(), dtype=pl.Datetime("us")).alias("recorded_at"),
    )


def _history(session: Session, as_of: date, moved: pl.DataFrame, cause: str) -> None:
    """Close the open entries of the subjects whose grade moved, and open their new ones."""
    session.execute(text(_KEYS_DDL))
    session.execute(text(f"DELETE FROM {KEYS}"))
    insert_frame(
        session, KEYS, moved.filter(pl.col("old_grade").is_not_null()).select("subject_id", "model")
    )
    _sql(
        session,
        "UPDATE evaluation_grade_history SET valid_to = :as_of WHERE valid_to IS NULL "
        f"AND (subject_id, model) IN (SELECT subject_id, model FROM {KEYS})",
        as_of=as_of,
    )
    insert_frame(session, GradeChange.__tablename__, _changes(as_of, moved, cause))


def _history_few(session: Session, as_of: date, moved: pl.DataFrame, cause: str) -> None:
    if moved.height == 0:
        return
    reopened = moved.filter(pl.col("old_grade").is_not_null())
    if reopened.height:
        # Per model a list of subjects: the history's index (subject, model, from) serves
        # each term (a list of (subject, model) pairs made SQLite read the whole history).
        by_model = reopened.group_by("model").agg("subject_id").rows()
        session.execute(
            update(GradeChange)
            .where(
                GradeChange.valid_to.is_(None),
                or_(
                    *(
                        and_(GradeChange.subject_id.in_(ids), GradeChange.model == model)
                        for model, ids in by_model
                    )
                ),
            )
            .values(valid_to=as_of)
        )
    session.execute(insert(GradeChange), _changes(as_of, moved, cause).to_dicts())


def _upsert_few(session: Session, as_of: date, written: pl.DataFrame) -> None:
    rows = [
        row
        | {"as_of": as_of, "computed_at": utcnow(), "explanation": json.loads(row["explanation"])}
        for row in written.select(*STAGED).to_dicts()
    ]
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(EvaluationGrade)
    updated = {
        name: statement.excluded[name] for name in rows[0] if name not in ("subject_id", "model")
    }
    session.execute(
        statement.values(rows).on_conflict_do_update(
            index_elements=["subject_id", "model"], set_=updated
        )
    )


def _upsert(session: Session, as_of: date, written: pl.DataFrame) -> None:
    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(text(_STAGE_DDL))
    session.execute(text(f"DELETE FROM {STAGE}"))
    insert_frame(session, STAGE, written.select(*STAGED))
    explanation = "CAST(explanation AS JSON)" if postgres else "explanation"
    _sql(
        session,
        "INSERT INTO evaluation_grades (subject_id, model, model_version, grade, score, as_of, "
        "computed_at, digest, explanation) SELECT subject_id, model, model_version, grade, "
        f"score, :as_of, :now, digest, {explanation} FROM {STAGE} WHERE true "
        "ON CONFLICT (subject_id, model) DO UPDATE SET model_version = excluded.model_version, "
        "grade = excluded.grade, score = excluded.score, as_of = excluded.as_of, "
        "computed_at = excluded.computed_at, digest = excluded.digest, "
        "explanation = excluded.explanation",
        as_of=as_of,
        now=utcnow(),
    )
    session.execute(text(f"DELETE FROM {STAGE}"))
