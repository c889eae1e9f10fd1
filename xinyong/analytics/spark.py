"""Apache Spark as the distributed executor of the platform's own Polars computations.

The rules are written once, as Polars functions over the rows of some subjects (an
evaluation's aggregates and grades are per subject). The embedded engine calls them on the
whole population in this process; here Spark reads a Parquet snapshot, splits the subjects
into buckets (``subject_id % buckets``) and calls the same functions on each bucket in its
executors (``applyInArrow``), so a cluster shares the work without a second implementation
of any rule. Joins between the steps are Spark's.

``XINYONG_SPARK_MASTER`` names the cluster (``spark://host:7077``) or ``local[*]`` for the
cores of this machine. Executors need the same ``xinyong`` package and Python; the snapshot
folder must be readable by them (one machine, or a shared file system).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import polars as pl

from xinyong.settings import get_settings

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

BUCKET = "_bucket"


class SparkUnavailable(RuntimeError):
    """PySpark or Java is missing; the message is in Chinese."""


@contextmanager
def spark_session(app_name: str = "xinyong") -> Iterator[SparkSession]:
    """A Spark session on ``XINYONG_SPARK_MASTER``, stopped afterwards."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(
            "XINYONG_ANALYTICS_ENGINE=spark 需要 PySpark：请安装 pip install 'xinyong[spark]'"
        ) from None
    # the executors' Python is this one (the venv with xinyong), unless the cluster says
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = get_settings()
    running = SparkSession.getActiveSession()
    if running is not None:  # a caller's session (tests keep one for a module)
        yield running
        return
    builder: Any = SparkSession.builder
    session = (
        builder.master(settings.spark_master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(settings.spark_buckets))
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        yield session
    finally:
        session.stop()


def spark_schema(schema: dict[str, Any]) -> Any:
    """The Spark struct of a Polars schema (the column types the rules use)."""
    from pyspark.sql import types as t

    kinds: dict[Any, Any] = {
        pl.Int64: t.LongType(),
        pl.Int32: t.IntegerType(),
        pl.Float64: t.DoubleType(),
        pl.String: t.StringType(),
        pl.Date: t.DateType(),
        pl.Boolean: t.BooleanType(),
    }
    return t.StructType([t.StructField(name, kinds[dtype], True) for name, dtype in schema.items()])


def _to_arrow(frame: pl.DataFrame, schema: Any) -> pa.Table:
    """``frame`` as the Arrow table Spark expects for ``schema`` (plain strings, in order)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    wanted = to_arrow_schema(schema)
    table = frame.select(wanted.names).to_arrow(compat_level=pl.CompatLevel.oldest())
    return table.cast(wanted)


def with_bucket(frame: DataFrame, buckets: int) -> DataFrame:
    from pyspark.sql import functions as f

    return frame.withColumn(BUCKET, f.pmod(f.col("subject_id"), f.lit(buckets)))


def apply_by_bucket(
    frame: DataFrame,
    function: Callable[[pl.DataFrame], pl.DataFrame],
    schema: dict[str, Any],
    buckets: int,
) -> DataFrame:
    """``function`` applied to the rows of each bucket of subjects (all rows of a subject
    are in one call); its results, of ``schema``, as one Spark frame."""
    struct = spark_schema(schema)

    def run(table: pa.Table) -> pa.Table:
        rows = pl.from_arrow(table)
        assert isinstance(rows, pl.DataFrame)
        return _to_arrow(function(rows.drop(BUCKET)), struct)

    return with_bucket(frame, buckets).groupBy(BUCKET).applyInArrow(run, struct)


def cogroup_by_bucket(
    left: DataFrame,
    right: DataFrame,
    function: Callable[[pl.DataFrame, pl.DataFrame], pl.DataFrame],
    schema: dict[str, Any],
    buckets: int,
) -> DataFrame:
    """``function`` applied to each bucket's rows of both frames together."""
    struct = spark_schema(schema)

    def run(one: pa.Table, other: pa.Table) -> pa.Table:
        first, second = pl.from_arrow(one), pl.from_arrow(other)
        assert isinstance(first, pl.DataFrame) and isinstance(second, pl.DataFrame)
        if first.height == 0:
            return _to_arrow(pl.DataFrame(schema=schema), struct)
        return _to_arrow(function(first.drop(BUCKET), second.drop(BUCKET)), struct)

    grouped = with_bucket(left, buckets).groupBy(BUCKET)
    return grouped.cogroup(with_bucket(right, buckets).groupBy(BUCKET)).applyInArrow(run, struct)


def collect(frame: DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    """A Spark frame's rows back in this process, typed as ``schema``."""
    table = frame.toArrow()
    found = pl.from_arrow(table)
    assert isinstance(found, pl.DataFrame)
    if found.height == 0:
        return pl.DataFrame(schema=schema)
    return found.select(pl.col(name).cast(dtype) for name, dtype in schema.items())
