"""The full evaluation run on Apache Spark (``XINYONG_ANALYTICS_ENGINE=spark``).

The same run as ``store.evaluate`` over the whole population, in three steps:

1. **Snapshot**: in the caller's transaction (one consistent read), every reading's records
   (``scan.raw_statement``: current versions of its items, from the earliest day its windows
   need) are written to Parquet partitioned by item and month, with the population and the
   stored grades.
2. **Aggregates**: Spark reads each reading's records and calls ``scan.group_records`` on each
   bucket of subjects (the Polars aggregation the embedded SQLite scan uses, tested against
   the SQL one); the readings' aggregates are joined to the population by Spark.
3. **Grades**: each bucket's aggregates and stored grades go to ``store.grade_found``, the
   embedded run's own grading.

The grades come back to this process and are stored by ``store.store`` like an embedded run's.
Re-grades of a few subjects after a batch stay embedded (milliseconds; a Spark job costs
seconds to start).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from datetime import date
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from xinyong.analytics.spark import apply_by_bucket, cogroup_by_bucket, collect, spark_session
from xinyong.catalog.registry import get_catalog
from xinyong.evaluation.engine import STORED_SCHEMA
from xinyong.evaluation.query import (
    Reading,
    copied,
    population,
    read_frame,
    reading_parameters,
    schema_of,
)
from xinyong.evaluation.scan import group_records, raw_schema, raw_statement
from xinyong.evaluation.schema import EvaluationModel
from xinyong.evaluation.store import (
    GRADED_SCHEMA,
    Plan,
    empty_graded,
    grade_found,
    plan,
    stored_grades,
)
from xinyong.settings import get_settings

STORED_COLUMNS = {"subject_id": pl.Int64, "model": pl.String} | dict(
    list(STORED_SCHEMA.items())[1:]
)


def graded_schema(compare: bool) -> dict[str, Any]:
    return GRADED_SCHEMA | (dict(list(STORED_SCHEMA.items())[1:]) if compare else {})


def _grouped_schema(reading: Reading) -> dict[str, Any]:
    return dict(copied(pl.DataFrame(schema=schema_of(reading.parts)), reading).schema)


@lru_cache(maxsize=8)
def _models(codes: tuple[str, ...], as_of: date) -> tuple[EvaluationModel, ...]:
    """The models of ``codes`` in force on ``as_of``, in that order (the parts' prefixes
    follow it): what the driver graded with, found again in an executor."""
    from xinyong.evaluation.service import models_in_force

    found = {m.code: m for m in models_in_force(as_of, list(codes))}
    return tuple(found[code] for code in codes)


def _plan(codes: tuple[str, ...], as_of: date, dialect: str) -> Plan:
    return plan(_models(codes, as_of), dialect, by_subject=False)


def _group(
    codes: tuple[str, ...],
    as_of: date,
    dialect: str,
    n: int,
    params: dict[str, Any],
    records: pl.DataFrame,
) -> pl.DataFrame:
    """Executor: one bucket's aggregates of reading ``n``."""
    reading = _plan(codes, as_of, dialect).readings[n]
    return copied(group_records(records, reading, params, get_catalog()), reading)


def _grade(
    codes: tuple[str, ...], as_of: date, compare: bool, found: pl.DataFrame, stored: pl.DataFrame
) -> pl.DataFrame:
    """Executor: one bucket's grades under every model."""
    subjects = found.select("subject_id", "kind")
    return grade_found(
        _models(codes, as_of), subjects, found.drop("kind"), stored if compare else None
    )


def _write_records(records: pl.DataFrame, folder: Path) -> None:
    """Parquet partitioned by item and month of the decision (``item=…/month=YYYY-MM``)."""
    folder.mkdir(parents=True)
    if records.height == 0:  # an empty file keeps the columns
        records.with_columns(pl.lit("none").alias("month")).write_parquet(folder / "empty.parquet")
        return
    month = pl.col("decision_date").dt.strftime("%Y-%m").fill_null("none").alias("month")
    records.with_columns(month).write_parquet(folder, partition_by=["item", "month"])


def evaluate_on_spark(
    session: Session,
    models: Sequence[EvaluationModel],
    as_of: date,
    compare: bool = False,
    snapshot_dir: Path | None = None,
) -> pl.DataFrame:
    """``store.evaluate(session, models, as_of, compare=compare)`` for the whole population,
    computed by Spark from a Parquet snapshot (kept in ``snapshot_dir`` when given)."""
    dialect = session.get_bind().dialect.name
    kinds = {k.value for m in models for k in m.subject_kinds}
    subjects = population(session, sorted(kinds))
    if subjects.height == 0:
        return empty_graded(compare)
    codes = tuple(m.code for m in models)
    chosen = plan(models, dialect, by_subject=False)
    flat = [p for ps in chosen.parts.values() for p in ps]
    params = reading_parameters(chosen.readings, flat, as_of)
    settings = get_settings()
    folder = snapshot_dir or Path(tempfile.mkdtemp(prefix="snapshot-", dir=_scratch()))
    try:
        for n, reading in enumerate(chosen.readings):
            statement = raw_statement(reading, dialect)
            records = read_frame(session, statement, raw_schema(reading), params)
            _write_records(records, folder / f"reading-{n}")
        subjects.write_parquet(folder / "population.parquet")
        stored = stored_grades(session, models, None, few=False) if compare else None
        (stored if stored is not None else pl.DataFrame(schema=STORED_COLUMNS)).write_parquet(
            folder / "stored.parquet"
        )
        buckets = settings.spark_buckets
        with spark_session("xinyong-evaluation") as spark:
            found = spark.read.parquet(str(folder / "population.parquet"))
            for n, reading in enumerate(chosen.readings):
                raw = spark.read.parquet(str(folder / f"reading-{n}"))
                task = partial(_group, codes, as_of, dialect, n, params)
                grouped = apply_by_bucket(raw, task, _grouped_schema(reading), buckets)
                found = found.join(grouped, on="subject_id", how="left")
            held = spark.read.parquet(str(folder / "stored.parquet"))
            schema = graded_schema(compare)
            grading = partial(_grade, codes, as_of, compare)
            graded = cogroup_by_bucket(found, held, grading, schema, buckets)
            return collect(graded, schema)
    finally:
        if snapshot_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def _scratch() -> Path:
    path = get_settings().data_dir / "analytics"
    path.mkdir(parents=True, exist_ok=True)
    return path
