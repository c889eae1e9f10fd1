"""Validation of a model (评价验证): grade distribution by subject kind and district,
month-to-month stability (population stability index between consecutive month ends), and
how well the grades of a past day separate the subjects that then met the model's outcome
(entering the serious dishonesty list, a serious penalty ...) within its horizon: outcome
rate per grade, AUC and KS of the grade. Past grades are computed, not stored. The chart is
an SVG file written without any plotting library.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.evaluation.query import months_back, read_frame
from xinyong.evaluation.registry import evaluation_model
from xinyong.evaluation.schema import EvaluationModel
from xinyong.evaluation.store import evaluate
from xinyong.permissions import authorize
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

EPSILON = 1e-4  # share given to an empty grade in the PSI


@dataclass
class Report:
    model: str
    version: str
    as_of: date
    distribution: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    by_region: dict[str, dict[str, int]] = field(default_factory=dict)
    stability: list[dict[str, Any]] = field(default_factory=list)
    validation: dict[str, Any] = field(default_factory=dict)
    chart: str | None = None

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["as_of"] = self.as_of.isoformat()
        return found


def month_end(day: date, back: int) -> date:
    """The last day of the month ``back`` months before ``day``'s (0: ``day`` itself)."""
    if back == 0:
        return day
    first = months_back(day.replace(day=1), back - 1)
    return date.fromordinal(first.toordinal() - 1)


def psi(before: dict[str, int], after: dict[str, int], grades: list[str]) -> float:
    """Population stability index of two grade distributions."""
    total_b, total_a = sum(before.values()) or 1, sum(after.values()) or 1
    value = 0.0
    for grade in grades:
        p = max(before.get(grade, 0) / total_b, EPSILON)
        q = max(after.get(grade, 0) / total_a, EPSILON)
        value += (q - p) * math.log(q / p)
    return round(value, 4)


def auc_ks(scores: pl.Series, bad: pl.Series) -> tuple[float | None, float | None]:
    """AUC of "a lower score (here: a worse grade) means the outcome" (ties count half) and
    the KS statistic."""
    frame = pl.DataFrame({"score": scores, "bad": bad})
    n_bad = int(frame["bad"].sum())
    n_good = frame.height - n_bad
    if not n_bad or not n_good:
        return None, None
    ranked = frame.with_columns((-pl.col("score")).rank("average").alias("rank"))
    rank_sum = float(ranked.filter(pl.col("bad"))["rank"].sum())
    auc = (rank_sum - n_bad * (n_bad + 1) / 2) / (n_bad * n_good)
    steps = (
        frame.group_by("score")
        .agg(pl.col("bad").sum().alias("b"), (~pl.col("bad")).sum().alias("g"))
        .sort("score")
        .with_columns(
            (pl.col("b").cum_sum() / n_bad - pl.col("g").cum_sum() / n_good).abs().alias("d")
        )
    )
    ks = steps.select(pl.col("d").max()).item()
    return round(auc, 4), round(float(ks or 0.0), 4)


def _distribution(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame.group_by("grade").len().sort("grade").iter_rows())


def _nested(frame: pl.DataFrame, by: str) -> dict[str, dict[str, int]]:
    counts = frame.group_by(by, "grade").len().sort(by, "grade")
    found: dict[str, dict[str, int]] = {}
    for key, grade, n in counts.iter_rows():
        found.setdefault(str(key), {})[grade] = n
    return found


def _outcomes(session: Session, model: EvaluationModel, start: date, end: date) -> pl.DataFrame:
    """Subjects with an outcome record decided in (start, end]."""
    rule = model.validation
    kinds = [
        and_(Record.item == item, Record.severity.in_(rule.outcome_severity[item]))
        if item in rule.outcome_severity
        else Record.item == item
        for item in rule.outcome_items
    ]
    statement = (
        select(Record.subject_id)
        .where(
            Record.is_current.is_(True),
            Record.decision_date > start,
            Record.decision_date <= end,
            or_(*kinds),
        )
        .distinct()
    )
    return read_frame(session, statement, {"subject_id": pl.Int64})


def _validation(session: Session, model: EvaluationModel, as_of: date) -> dict[str, Any]:
    horizon = model.validation.horizon_months
    start = months_back(as_of, horizon)
    graded = evaluate(session, [model], start)
    bad = _outcomes(session, model, start, as_of).with_columns(pl.lit(True).alias("bad"))
    joined = graded.join(bad, on="subject_id", how="left").with_columns(
        pl.col("bad").fill_null(False)
    )
    rates = (
        joined.group_by("grade")
        .agg(pl.len().alias("subjects"), pl.col("bad").sum().alias("outcomes"))
        .sort("grade")
        .with_columns((pl.col("outcomes") / pl.col("subjects")).round(4).alias("rate"))
    )
    # Separation by grade (a veto grade keeps its score): the better the grade, the higher.
    standing = joined["grade"].replace_strict(
        {g: -n for n, g in enumerate(model.grade_names)}, return_dtype=pl.Float64
    )
    auc, ks = auc_ks(standing, joined["bad"])
    return {
        "graded_on": start.isoformat(),
        "outcome_until": as_of.isoformat(),
        "outcome": model.validation.description,
        "by_grade": rates.to_dicts(),
        "auc": auc,
        "ks": ks,
    }


def build_report(
    session: Session,
    actor: Actor,
    model_code: str,
    as_of: date,
    months: int = 12,
    out: Path | None = None,
) -> Report:
    authorize(actor, "evaluation.read")
    model = evaluation_model(model_code)
    report = Report(model.code, model.version, as_of)
    current = evaluate(session, [model], as_of)
    subjects = read_frame(
        session,
        select(Subject.id.label("subject_id"), Subject.kind, Subject.region),
        {"subject_id": pl.Int64, "kind": pl.String, "region": pl.String},
    )
    described = current.join(subjects, on="subject_id", how="left").with_columns(
        pl.col("region").fill_null("未知")
    )
    report.distribution = _distribution(described)
    report.by_kind = _nested(described, "kind")
    report.by_region = _nested(described, "region")
    previous: dict[str, int] | None = None
    for back in range(months, -1, -1):
        day = month_end(as_of, back)
        if day < model.effective_from:
            continue
        shares = _distribution(evaluate(session, [model], day))
        entry: dict[str, Any] = {"month_end": day.isoformat(), "grades": shares}
        if previous is not None:
            entry["psi"] = psi(previous, shares, model.grade_names)
        report.stability.append(entry)
        previous = shares
    report.validation = _validation(session, model, as_of)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"evaluation-{model.code}-{as_of.isoformat()}.svg"
        path.write_text(svg(model, report), encoding="utf-8")
        report.chart = str(path)
    return report


def svg(model: EvaluationModel, report: Report) -> str:
    """Two bar charts: subjects per grade, and the outcome rate per grade."""
    grades = model.grade_names
    rates = {r["grade"]: r["rate"] for r in report.validation.get("by_grade", [])}
    counts = [report.distribution.get(g, 0) for g in grades]
    width, height, bar = 640, 300, 40
    top_count = max(counts) or 1
    top_rate = max(rates.values(), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="10" y="18" font-size="14">{escape(model.name)}（{report.as_of}）</text>',
        '<text x="10" y="40">各等级主体数</text>',
        '<text x="330" y="40">后续结果发生率</text>',
    ]
    for n, grade in enumerate(grades):
        x = 20 + n * (bar + 12)
        h = 200 * counts[n] / top_count
        parts.append(
            f'<rect x="{x}" y="{250 - h:.1f}" width="{bar}" height="{h:.1f}" fill="#4a7bb7"/>'
            f'<text x="{x}" y="268">{grade}</text>'
            f'<text x="{x}" y="{245 - h:.1f}">{counts[n]}</text>'
        )
        rate = rates.get(grade, 0.0)
        h = 200 * rate / top_rate
        x += 310
        parts.append(
            f'<rect x="{x}" y="{250 - h:.1f}" width="{bar}" height="{h:.1f}" fill="#c0504d"/>'
            f'<text x="{x}" y="268">{grade}</text>'
            f'<text x="{x}" y="{245 - h:.1f}">{rate * 100:.1f}%</text>'
        )
    auc, ks = report.validation.get("auc"), report.validation.get("ks")
    parts.append(f'<text x="10" y="292">AUC {auc}，KS {ks}</text></svg>')
    return "\n".join(parts)
