"""The same fixture city evaluated on the embedded engine and on Spark in local mode gives
the same grades, scores, digests, explanations and decisive facts, and a run through
XINYONG_ANALYTICS_ENGINE=spark stores them like an embedded run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.analytics.spark import spark_session
from xinyong.audit.log import Actor
from xinyong.evaluation.distributed import evaluate_on_spark
from xinyong.evaluation.service import models_in_force, run_evaluation
from xinyong.evaluation.store import evaluate
from xinyong.evaluation.tables import EvaluationGrade
from xinyong.settings import reset_settings

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module", autouse=True)
def spark() -> Iterator[object]:
    """One Spark session in local mode for the module (starting one takes seconds)."""
    if shutil.which("java") is None:
        if os.environ.get("XINYONG_TEST_REQUIRE_SPARK") == "1":
            pytest.fail("XINYONG_TEST_REQUIRE_SPARK=1 要求在 Spark 上测试，但找不到 java")
        pytest.skip("Java not found: Spark tests need Java 17")
    pytest.importorskip("pyspark")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XINYONG_SPARK_MASTER", "local[2]")
        patch.setenv("XINYONG_SPARK_BUCKETS", "4")
        reset_settings()
        with spark_session("xinyong-tests") as session:
            yield session
    reset_settings()


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("model", "subject_id").select(sorted(frame.columns))


def test_embedded_and_spark_give_identical_grades(demo_city: Session, tmp_path: Path) -> None:
    models = models_in_force(AS_OF)
    run_evaluation(demo_city, Actor("cli:test"), AS_OF)  # stored grades to compare with
    demo_city.commit()
    embedded = evaluate(demo_city, models, AS_OF, compare=True)
    spark = evaluate_on_spark(demo_city, models, AS_OF, compare=True, snapshot_dir=tmp_path / "s")
    assert embedded.height > 300 and embedded["grade"].n_unique() >= 3
    assert _sorted(spark).equals(_sorted(embedded))
    fresh = evaluate(demo_city, models, AS_OF)
    assert _sorted(evaluate_on_spark(demo_city, models, AS_OF)).equals(_sorted(fresh))
    snapshot = tmp_path / "s"
    assert any(p.name.startswith("item=") for p in (snapshot / "reading-0").iterdir())


def test_a_run_on_spark_stores_its_grades(
    demo_city: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XINYONG_ANALYTICS_ENGINE", "spark")
    reset_settings()
    report = run_evaluation(demo_city, Actor("cli:test"), AS_OF)
    demo_city.commit()
    assert report.engine == "spark"
    stored = demo_city.execute(select(func.count()).select_from(EvaluationGrade)).scalar_one()
    assert stored == sum(m["subjects"] for m in report.models) > 300
