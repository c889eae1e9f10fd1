"""Measures and matters, loaded from YAML and validated: no legal basis, no punishment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from xinyong.evaluation.registry import evaluation_models
from xinyong.lists.service import list_types

HERE = Path(__file__).parent


class MeasureError(Exception):
    """A measure or matter file is wrong; the message names the file and the entry."""


class LegalBasis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    article: str
    quote: str

    def cite(self) -> str:
        return f"{self.source}{self.article}：“{self.quote}”"


class Triggers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lists: list[str] = []
    grades: dict[str, list[str]] = {}  # evaluation model -> the grades that trigger


class Measure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    kind: Literal["punishment", "incentive"]
    category: str
    legal_basis: LegalBasis | None = None
    departments: list[str]
    triggers: Triggers


class Matter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    measures: list[str]
    # Why the check is embedded in this matter (the rule asking for it), where one is known.
    basis: str | None = None


@dataclass(frozen=True)
class MeasureBook:
    measures: dict[str, Measure]
    matters: dict[str, Matter]
    categories: dict[str, str]

    def for_matter(self, matter: str) -> list[Measure]:
        return [self.measures[code] for code in self.matters[matter].measures]


def _load_measures(path: Path) -> tuple[dict[str, Measure], dict[str, str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    known_lists = set(list_types())
    measures: dict[str, Measure] = {}
    for entry in raw.get("measures") or []:
        label = f"{entry.get('code', '?')}（{entry.get('name', '?')}）"
        basis = entry.get("legal_basis") or {}
        if entry.get("kind") == "punishment" and not all(
            str(basis.get(k, "")).strip() for k in ("source", "article", "quote")
        ):
            raise MeasureError(
                f"{path.name}: 惩戒措施 {label} 没有完整的法律依据（须注明法律、法规或中央政策文件"
                f"名称、条款及原文），不得纳入措施清单"
            )
        try:
            measure = Measure.model_validate(entry)
        except ValidationError as exc:
            raise MeasureError(
                f"{path.name}: 措施 {label} 定义错误：{exc.errors()[0]['msg']}"
            ) from exc
        unknown = [t for t in measure.triggers.lists if t not in known_lists]
        if unknown:
            raise MeasureError(
                f"{path.name}: 措施 {label} 引用了不存在的名单：{'、'.join(unknown)}"
            )
        _check_grades(path, label, measure)
        if measure.code in measures:
            raise MeasureError(f"{path.name}: 措施编码 {measure.code} 重复")
        measures[measure.code] = measure
    return measures, dict(raw.get("categories") or {})


def _check_grades(path: Path, label: str, measure: Measure) -> None:
    models = evaluation_models()
    for code, grades in measure.triggers.grades.items():
        if code not in models:
            raise MeasureError(f"{path.name}: 措施 {label} 引用了不存在的评价模型：{code}")
        unknown = [g for g in grades if g not in models[code].grade_names]
        if unknown:
            raise MeasureError(
                f"{path.name}: 措施 {label} 引用了评价模型 {code} 中不存在的等级："
                f"{'、'.join(unknown)}"
            )


def _load_matters(path: Path, measures: dict[str, Measure]) -> dict[str, Matter]:
    matters: dict[str, Matter] = {}
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        matter = Matter.model_validate(entry)
        unknown = [m for m in matter.measures if m not in measures]
        if unknown:
            raise MeasureError(
                f"{path.name}: 事项 {matter.code} 引用了不存在的措施：{'、'.join(unknown)}"
            )
        matters[matter.code] = matter
    return matters


def load_measure_book(folder: Path | None = None) -> MeasureBook:
    folder = folder or HERE
    measures, categories = _load_measures(folder / "measures.yaml")
    return MeasureBook(measures, _load_matters(folder / "matters.yaml", measures), categories)


@lru_cache(maxsize=1)
def measure_book() -> MeasureBook:
    return load_measure_book()
