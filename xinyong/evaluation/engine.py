"""Scoring in one vectorised pass: the aggregated frame (a row per subject, columns per
indicator) becomes points, a score, a grade (veto items first), an explanation per subject
(JSON, veto hits first, the record ids behind every indicator), a digest of the inputs and
the decisive reason. No Python loop runs per subject; loops run per indicator.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _sorted_ids(ids: pl.Expr) -> pl.Expr:
    """Record ids as read (``1,5,3``) as a sorted list."""
    return ids.str.split(",").cast(pl.List(pl.Int64)).list.sort()


def _band_rank(model: EvaluationModel, score: pl.Expr) -> pl.Expr:
    """Rank of the band holding ``score`` (0 = best)."""
    rank: pl.Expr = pl.lit(len(model.grades) - 1)
    for n, band in reversed(list(enumerate(model.grades[:-1]))):
        assert band.min is not None
        rank = pl.when(score >= band.min).then(pl.lit(n)).otherwise(rank)
    return rank


@dataclass(frozen=True)
class _Compiled:
    """A model's expressions, built once (Polars expressions are immutable and reusable)."""

    model: EvaluationModel
    columns: list[pl.Expr]  # per part, its entry (points, value, category, records)
    indicators: dict[str, str]  # the part's points column -> its code
    entry: pl.Expr
    inputs: pl.Expr
    score: pl.Expr
    grade: pl.Expr
    digest: pl.Expr
    decisive: pl.Expr


_COMPILED: dict[tuple[int, str], _Compiled] = {}


def _compile(model: EvaluationModel, prefix: str) -> _Compiled:
    key = (id(model), prefix)
    found = _COMPILED.get(key)
    if found is not None and found.model is model:
        return found
    every = parts(model, prefix)
    scoring = {i.code: i.scoring for _, i in model.indicators}
    columns: list[pl.Expr] = []
    for n, part in enumerate(every):
        value, category = _value(part), _category(part)
        points = pl.lit(0.0) if part.veto else _points(scoring[part.code], value, category)
        columns.append(
            pl.struct(
                points.alias("points"),
                value.alias("value"),
                category.alias("category"),
                _sorted_ids(pl.col(f"ids_{part.key}")).alias("records"),
            ).alias(f"part{n}")
        )
    indicators = {f"part{n}": p.code for n, p in enumerate(every)}
    names = {p.code: p.name for p in every}
    dimensions = {p.code: p.dimension for p in every}
    entry = pl.struct(
        pl.col("indicator"),
        pl.col("indicator").replace_strict(names, return_dtype=pl.String).alias("name"),
        pl.col("indicator").replace_strict(dimensions, return_dtype=pl.String).alias("dimension"),
        pl.col("points"),
        pl.col("value"),
        pl.col("category"),
        pl.col("records").fill_null([]),
        pl.col("indicator").is_in([p.code for p in every if p.veto]).alias("veto"),
    ).struct.json_encode()
    inputs = pl.concat_str(
        pl.col("indicator"),
        pl.col("category").fill_null(""),
        pl.col("records").cast(pl.List(pl.String)).list.join(",").fill_null(""),
        separator=":",
    )
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
    grade = pl.coalesce(veto_rank, _band_rank(model, score)).replace_strict(
        dict(enumerate(model.grade_names)), return_dtype=pl.String
    )
    header = f"{model.code}\x1f{model.version}\x1f"
    digest = sha256_of(
        pl.concat_str(
            pl.lit(header), pl.col("kind"), pl.lit("\x1f"), pl.col("inputs").fill_null("")
        )
    )
    found = _COMPILED[key] = _Compiled(
        model,
        columns,
        indicators,
        entry,
        inputs,
        score,
        grade,
        digest,
        _decisive(model, every, score, grade),
    )
    return found


def _decisive(model: EvaluationModel, every: list[Part], score: pl.Expr, grade: pl.Expr) -> pl.Expr:
    """Why the grade is what it is: the first veto hit (with its records), else the score."""
    meaning = {b.grade: b.meaning for b in model.grades}
    reason = pl.concat_str(
        pl.lit("得分"),
        score.round(2).cast(pl.String),
        pl.lit("，"),
        grade,
        pl.lit("级（"),
        grade.replace_strict(meaning, return_dtype=pl.String),
        pl.lit("）"),
    )
    for part in reversed([p for p in every if p.veto]):
        hit = pl.col(f"n_{part.key}").fill_null(0) > 0
        ids = _sorted_ids(pl.col(f"ids_{part.key}")).cast(pl.List(pl.String)).list.join("，")
        reason = (
            pl.when(hit)
            .then(
                pl.concat_str(
                    pl.lit(f"一票否决：{part.name}（记录 "),
                    ids,
                    pl.lit("），等级定为"),
                    grade,
                    pl.lit("级"),
                )
            )
            .otherwise(reason)
        )
    return reason.alias("decisive")


def _long(c: _Compiled, wide: pl.DataFrame) -> pl.DataFrame:
    """Every part's entry as a row (subject by subject in the order of ``wide``' columns
    unpivoted: for one subject, the parts' rows come in part order, vetoes first)."""
    return (
        wide.select("subject_id", *c.columns)
        .unpivot(index="subject_id", variable_name="indicator", value_name="entry")
        .unnest("entry")
        .with_columns(pl.col("indicator").replace_strict(c.indicators, return_dtype=pl.String))
    )


STORED_SCHEMA = {
    "subject_id": pl.Int64,
    "old_grade": pl.String,
    "old_digest": pl.String,
    "old_version": pl.String,
    "old_as_of": pl.Date,
}


def grade_frame(
    model: EvaluationModel,
    subjects: pl.DataFrame,
    found: pl.DataFrame,
    prefix: str = "",
    stored: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Grades of ``subjects`` (``subject_id``, ``kind``) from the aggregated ``found`` frame
    (read with ``parts(model, prefix)``).

    Returns ``subject_id``, ``grade``, ``score``, ``digest``, ``explanation`` (JSON text)
    and ``decisive`` (Chinese), one row per subject, in ``subjects``' order. Given the
    ``stored`` grades (``STORED_SCHEMA``), their columns are joined in, and the explanation
    is written only where the grade, digest or version differs (null where it would repeat
    the stored one: the same inputs and model explain themselves the same way).
    """
    c = _compile(model, prefix)
    wide = subjects.join(found, on="subject_id", how="left", maintain_order="left")
    # One row per subject and part that selected records or gave points, in part order
    # (vetoes first): the explanation's entries.
    long = _long(c, wide).filter(
        (pl.col("value") != 0) | (pl.col("points") != 0) | pl.col("category").is_not_null()
    )
    summed = long.group_by("subject_id", maintain_order=True).agg(
        c.inputs.str.join(";").alias("inputs"), pl.col("points").sum().alias("points")
    )
    graded = wide.join(summed, on="subject_id", how="left", maintain_order="left").with_columns(
        c.score.alias("score"), c.grade.alias("grade"), c.digest.alias("digest"), c.decisive
    )
    if stored is None:
        stored = pl.DataFrame(schema=STORED_SCHEMA)
    graded = graded.join(stored, on="subject_id", how="left", maintain_order="left")
    same = (
        (pl.col("old_digest") == pl.col("digest"))
        & (pl.col("old_version") == model.version)
        & (pl.col("old_grade") == pl.col("grade"))
    ).fill_null(False)
    wanted = graded.filter(~same).select("subject_id")
    explained = (
        long.join(wanted, on="subject_id", how="semi", maintain_order="left")
        .group_by("subject_id", maintain_order=True)
        .agg(c.entry.str.join(",").alias(EXPLANATION))
    )
    return graded.join(explained, on="subject_id", how="left", maintain_order="left").select(
        *GRADE_COLUMNS[:4],
        pl.when(same)
        .then(None)
        .otherwise(pl.concat_str(pl.lit("["), pl.col(EXPLANATION).fill_null(""), pl.lit("]")))
        .alias(EXPLANATION),
        "decisive",
        *list(STORED_SCHEMA)[1:],
    )
