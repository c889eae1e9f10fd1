"""Graded supervision: the month's random inspection list of a supervision domain (双随机抽查),
drawn per grade at the ratio the domain sets (``supervision.yaml``). The draw is
reproducible: it reads the grades in force on the month's first day (from the grade history)
and orders each grade's subjects by a digest of the domain, the month and the subject's code,
so the same month gives the same list, whoever draws it and whenever.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.evaluation.query import read_frame
from xinyong.evaluation.registry import evaluation_models
from xinyong.evaluation.tables import EvaluationGrade, GradeChange
from xinyong.permissions import authorize
from xinyong.records.derive import sha256_of
from xinyong.subjects.models import Subject

DOMAINS_FILE = Path(__file__).parent / "supervision.yaml"


class SupervisionError(ValueError):
    """A sampling request that cannot be served, or a broken domain; Chinese message."""


class Domain(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    model: str
    effective_from: date
    ratios: dict[str, float]
    minimum: int = 0
    basis: str


def load_domains(path: Path | None = None) -> dict[str, Domain]:
    path = path or DOMAINS_FILE
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    models = evaluation_models()
    found = {}
    for code, body in raw.items():
        try:
            domain = Domain.model_validate(body)
        except ValidationError as exc:
            raise SupervisionError(f"{path.name}: 监管领域 {code} 定义错误：{exc}") from exc
        if domain.model not in models:
            raise SupervisionError(f"{path.name}: 监管领域 {code} 引用了不存在的评价模型")
        grades = models[domain.model].grade_names
        if sorted(domain.ratios) != sorted(grades):
            raise SupervisionError(
                f"{path.name}: 监管领域 {code} 的抽查比例应覆盖且只覆盖等级 {'、'.join(grades)}"
            )
        if any(not 0 <= r <= 1 for r in domain.ratios.values()):
            raise SupervisionError(f"{path.name}: 监管领域 {code} 的抽查比例应在0到1之间")
        if not domain.basis.strip():
            raise SupervisionError(f"{path.name}: 监管领域 {code} 未注明依据")
        found[code] = domain
    return found


@lru_cache(maxsize=1)
def supervision_domains() -> dict[str, Domain]:
    return load_domains()


@dataclass
class Sample:
    domain: str
    name: str
    month: str
    grades_on: date
    model: str
    seed: str
    basis: str
    strata: list[dict[str, Any]] = field(default_factory=list)
    subjects: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["grades_on"] = self.grades_on.isoformat()
        return found


def _first_day(month: str) -> date:
    try:
        year, number = (int(p) for p in month.split("-"))
        return date(year, number, 1)
    except ValueError:
        raise SupervisionError(f"月份“{month}”无效，应为 YYYY-MM") from None


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _grades(session: Session, model: str, day: date, today: date) -> pl.DataFrame:
    """Each subject's grade in force on ``day`` (from the history); a subject first graded
    later in that month counts with its first grade; for a month to come, the stored grades."""
    info = (Subject.uscc, Subject.name, Subject.kind)
    schema = {"subject_id": pl.Int64, "code": pl.String, "name": pl.String, "kind": pl.String}
    if day > today:
        current = (
            select(EvaluationGrade.subject_id, *info, EvaluationGrade.grade)
            .join(Subject, Subject.id == EvaluationGrade.subject_id)
            .where(EvaluationGrade.model == model)
            .order_by(EvaluationGrade.subject_id)
        )
        return read_frame(session, current, schema | {"grade": pl.String})
    history = (
        select(GradeChange.subject_id, *info, GradeChange.grade, GradeChange.valid_from)
        .join(Subject, Subject.id == GradeChange.subject_id)
        .where(GradeChange.model == model, GradeChange.valid_from < _next_month(day))
        .order_by(GradeChange.subject_id, GradeChange.valid_from, GradeChange.id)
    )
    found = read_frame(
        session, history, schema | {"grade": pl.String, "valid_from": pl.Date}
    ).with_columns((pl.col("valid_from") <= day).alias("before"))
    return found.group_by("subject_id", maintain_order=True).agg(
        pl.col("code", "name", "kind").first(),
        pl.when(pl.col("before").any())
        .then(pl.col("grade").filter(pl.col("before")).last())
        .otherwise(pl.col("grade").first())
        .alias("grade"),
    )


def draw(session: Session, actor: Actor, domain_code: str, month: str, today: date) -> Sample:
    """The month's inspection list of ``domain_code``."""
    authorize(actor, "evaluation.read")
    domains = supervision_domains()
    if domain_code not in domains:
        raise SupervisionError(f"监管领域“{domain_code}”不存在，可选：{'、'.join(domains)}")
    domain = domains[domain_code]
    day = _first_day(month)
    if day < domain.effective_from.replace(day=1):
        raise SupervisionError(f"监管领域 {domain_code} 自{domain.effective_from}起实施")
    grades = _grades(session, domain.model, day, today)
    if grades.height == 0:
        raise SupervisionError(
            f"{day.isoformat()} 尚无 {domain.model} 模型的评价结果，请先运行 xinyong evaluation run"
        )
    seed = f"{domain_code}:{month}"
    counts = dict(grades.group_by("grade").len().iter_rows())
    quota = {}
    for grade, ratio in domain.ratios.items():
        population = counts.get(grade, 0)
        wanted = math.ceil(ratio * population) if ratio > 0 and population else 0
        quota[grade] = min(population, max(wanted, domain.minimum if wanted else 0))
    drawn = (
        grades.with_columns(
            sha256_of(pl.concat_str(pl.lit(seed + "\x1f"), pl.col("code"))).alias("order")
        )
        .sort("grade", "order")
        .with_columns(pl.int_range(pl.len()).over("grade").alias("rank"))
        .filter(pl.col("rank") < pl.col("grade").replace_strict(quota, default=0))
    )
    sample = Sample(domain_code, domain.name, month, day, domain.model, seed, domain.basis)
    for grade in evaluation_models()[domain.model].grade_names:
        sample.strata.append(
            {
                "grade": grade,
                "population": counts.get(grade, 0),
                "ratio": domain.ratios[grade],
                "drawn": quota[grade],
            }
        )
    sample.subjects = drawn.select("code", "name", "kind", "grade").to_dicts()
    return sample
