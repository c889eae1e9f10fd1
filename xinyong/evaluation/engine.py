"""Scoring in one vectorised pass: the aggregated frame (a row per subject, columns per
indicator) becomes points, a score, a grade (veto items first), an explanation per subject
(JSON, veto hits first, the record ids behind every indicator), a digest of the inputs and
the decisive reason. No Python loop runs per subject; loops run per indicator.
"""

from __future__ import annotations

import polars as pl

from xinyong.evaluation.query import Part, parts
from xinyong.evaluation.schema import EvaluationModel, Scoring
from xinyong.records.derive import sha256_of

EXPLANATION = "explanation"
GRADE_COLUMNS = ("subject_id", "grade", "score", "digest", EXPLANATION, "decisive")


def _value(part: Part) -> pl.Expr:
    """The indicator's aggregated value (count, 0/1, sum) as a float; 0 without records."""
    count = pl.col(f"n_{part.key}").fill_null(0)
    match part.source.aggregate:
        case "exists":
            return (count > 0).cast(pl.Float64)
        case "sum":
            return pl.col(f"s_{part.key}").fill_null(0.0).cast(pl.Float64)
        case _:
            return count.cast(pl.Float64)


def _category(part: Part) -> pl.Expr:
    """The latest selected record's value (``date|value`` as read), or null."""
    if part.source.aggregate != "latest":
        return pl.lit(None, dtype=pl.String)
    return pl.col(f"l_{part.key}").str.split_exact("|", 1).struct.field("field_1")


def _points(scoring: Scoring, value: pl.Expr, category: pl.Expr) -> pl.Expr:
    if scoring.categories is not None:
        points = category.replace_strict(
            scoring.categories, default=0.0, return_dtype=pl.Float64
        ).fill_null(0.0)
    elif scoring.per_unit is not None:
        points = value * scoring.per_unit
        if scoring.cap is not None:
            points = (
                points.clip(upper_bound=scoring.cap)
                if scoring.cap > 0
                else points.clip(lower_bound=scoring.cap)
            )
    else:
        points = pl.lit(0.0)
        for interval in reversed(scoring.intervals or []):
            inside = pl.lit(True)
            if interval.min is not None:
                inside = inside & (value >= interval.min)
            if interval.max is not None:
                inside = inside & (value < interval.max)
            points = pl.when(inside).then(pl.lit(interval.points)).otherwise(points)
    return (points * scoring.weight).round(2)


def _band_rank(model: EvaluationModel, score: pl.Expr) -> pl.Expr:
    """Rank of the band holding ``score`` (0 = best)."""
    rank: pl.Expr = pl.lit(len(model.grades) - 1)
    for n, band in reversed(list(enumerate(model.grades[:-1]))):
        assert band.min is not None
        rank = pl.when(score >= band.min).then(pl.lit(n)).otherwise(rank)
    return rank


def _long(model: EvaluationModel, every: list[Part], wide: pl.DataFrame) -> pl.DataFrame:
    """One row per subject and indicator that selected records or gave points."""
    scoring = {i.code: i.scoring for _, i in model.indicators}
    frames = []
    for part in every:
        value, category = _value(part), _category(part)
        points = (pl.lit(0.0) if part.veto else _points(scoring[part.code], value, category)).alias(
            "points"
        )
        ids = pl.col(f"ids_{part.key}")
        frame = wide.select(
            "subject_id",
            pl.lit(part.order).alias("order"),
            pl.lit(part.code).alias("indicator"),
            points,
            value.alias("value"),
            category.alias("category"),
            ids.str.split(",").cast(pl.List(pl.Int64)).list.sort().alias("records"),
        ).filter(
            (pl.col("value") != 0) | (pl.col("points") != 0) | pl.col("category").is_not_null()
        )
        frames.append(frame)
    return pl.concat(frames).with_columns(pl.col("records").fill_null([]))


def _explanations(every: list[Part], long: pl.DataFrame) -> pl.DataFrame:
    """Per subject: the explanation as a JSON array, and the canonical text of its inputs."""
    names = {p.code: p.name for p in every}
    dimensions = {p.code: p.dimension for p in every}
    vetoes = {p.code for p in every if p.veto}
    entry = pl.struct(
        pl.col("indicator"),
        pl.col("indicator").replace_strict(names, return_dtype=pl.String).alias("name"),
        pl.col("indicator").replace_strict(dimensions, return_dtype=pl.String).alias("dimension"),
        pl.col("points"),
        pl.col("value"),
        pl.col("category"),
        pl.col("records"),
        pl.col("indicator").is_in(list(vetoes)).alias("veto"),
    ).struct.json_encode()
    inputs = pl.concat_str(
        pl.col("indicator"),
        pl.col("category").fill_null(""),
        pl.col("records").cast(pl.List(pl.String)).list.join(","),
        separator=":",
    )
    return (
        long.sort("subject_id", "order")
        .group_by("subject_id", maintain_order=True)
        .agg(
            entry.str.join(",").alias(EXPLANATION),
            inputs.str.join(";").alias("inputs"),
            pl.col("points").sum().alias("points"),
        )
        .with_columns(pl.concat_str(pl.lit("["), EXPLANATION, pl.lit("]")).alias(EXPLANATION))
    )


def _decisive(model: EvaluationModel, every: list[Part]) -> pl.Expr:
    """Why the grade is what it is: the first veto hit (with its records), else the score."""
    meaning = {b.grade: b.meaning for b in model.grades}
    reason = pl.concat_str(
        pl.lit("得分"),
        pl.col("score").round(2).cast(pl.String),
        pl.lit("，"),
        pl.col("grade"),
        pl.lit("级（"),
        pl.col("grade").replace_strict(meaning, return_dtype=pl.String),
        pl.lit("）"),
    )
    for part in reversed([p for p in every if p.veto]):
        hit = pl.col(f"n_{part.key}").fill_null(0) > 0
        reason = (
            pl.when(hit)
            .then(
                pl.concat_str(
                    pl.lit(f"一票否决：{part.name}（记录 "),
                    pl.col(f"ids_{part.key}"),
                    pl.lit("），等级定为"),
                    pl.col("grade"),
                    pl.lit("级"),
                )
            )
            .otherwise(reason)
        )
    return reason.alias("decisive")


def grade_frame(
    model: EvaluationModel, subjects: pl.DataFrame, found: pl.DataFrame, prefix: str = ""
) -> pl.DataFrame:
    """Grades of ``subjects`` (``subject_id``, ``kind``) from the aggregated ``found`` frame
    (read with ``parts(model, prefix)``).

    Returns ``subject_id``, ``grade``, ``score``, ``digest``, ``explanation`` (JSON text)
    and ``decisive`` (Chinese), one row per subject, in ``subjects``' order.
    """
    every = parts(model, prefix)
    wide = subjects.join(found, on="subject_id", how="left", maintain_order="left")
    long = _long(model, every, wide)
    explained = _explanations(every, long)
    scored = wide.join(explained, on="subject_id", how="left", maintain_order="left")
    score = (
        (pl.lit(model.score.base) + pl.col("points").fill_null(0.0))
        .clip(model.score.min, model.score.max)
        .round(2)
    )
    ranks = [
        pl.when(pl.col(f"n_{p.key}").fill_null(0) > 0).then(
            pl.lit(model.grade_names.index(v.grade))
        )
        for p, v in zip([p for p in every if p.veto], model.vetoes, strict=True)
    ]
    veto_rank = pl.max_horizontal(ranks) if ranks else pl.lit(None, dtype=pl.Int32)
    header = f"{model.code}\x1f{model.version}\x1f"
    scored = scored.with_columns(score.alias("score")).with_columns(
        pl.coalesce(veto_rank, _band_rank(model, pl.col("score")))
        .replace_strict(dict(enumerate(model.grade_names)), return_dtype=pl.String)
        .alias("grade"),
        sha256_of(
            pl.concat_str(
                pl.lit(header), pl.col("kind"), pl.lit("\x1f"), pl.col("inputs").fill_null("")
            )
        ).alias("digest"),
        pl.col(EXPLANATION).fill_null("[]"),
    )
    return scored.with_columns(_decisive(model, every)).select(GRADE_COLUMNS)
