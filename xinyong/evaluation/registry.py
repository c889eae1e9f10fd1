"""Load and validate the evaluation models: one YAML file per model in ``models/``.

A model that does not hold together is refused at load with an ``EvaluationModelError``
naming the file and the part: an indicator or veto without a basis, grade bands that overlap
or leave a gap, a source naming an item or field the catalog does not have, natural persons.
"""

from __future__ import annotations

import itertools
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from xinyong.catalog.registry import Catalog, get_catalog
from xinyong.catalog.schema import FieldType, SubjectKind
from xinyong.evaluation.schema import (
    LATEST_COLUMNS,
    Band,
    EvaluationModel,
    Interval,
    Source,
)

MODELS_DIR = Path(__file__).parent / "models"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FIELD_TYPES = (FieldType.code, FieldType.text)


class EvaluationModelError(Exception):
    """An evaluation model is inconsistent; the message names the file and the part."""


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        reason = "缺少必填项" if err["type"] == "missing" else err["msg"]
        if err["type"] == "extra_forbidden":
            reason = "不是允许的属性"
        parts.append(f"{where}：{reason}")
    return "；".join(parts)


def _fmt(value: float | None) -> str:
    return "不限" if value is None else f"{value:g}"


def check_bands(bands: list[Band]) -> None:
    """Bands listed best first must tile the score line: an open top, an open bottom, each
    band's lower bound the next band's upper bound. Raises ValueError naming the band."""
    names = [b.grade for b in bands]
    dupes = sorted({g for g in names if names.count(g) > 1})
    if dupes:
        raise ValueError(f"等级重复：{'、'.join(dupes)}")
    if bands[0].max is not None:
        raise ValueError(f"最高等级 {bands[0].grade} 应无上限（max 留空），否则高分无等级")
    if bands[-1].min is not None:
        raise ValueError(f"最低等级 {bands[-1].grade} 应无下限（min 留空），否则低分无等级")
    for upper, lower in itertools.pairwise(bands):
        if upper.min is None or lower.max is None:
            raise ValueError(f"等级 {upper.grade} 与 {lower.grade} 之间缺少分界（min/max）")
        if upper.max is not None and upper.min >= upper.max:
            raise ValueError(f"等级 {upper.grade} 的区间为空：[{_fmt(upper.min)}, {upper.max:g})")
        if upper.min > lower.max:
            raise ValueError(
                f"等级 {upper.grade} 与 {lower.grade} 之间有空档："
                f"[{lower.max:g}, {upper.min:g}) 的得分不属于任何等级"
            )
        if upper.min < lower.max:
            raise ValueError(
                f"等级 {upper.grade} 与 {lower.grade} 的区间重叠："
                f"[{upper.min:g}, {lower.max:g}) 同时属于两个等级"
            )


def check_intervals(intervals: list[Interval]) -> None:
    """Scoring intervals may leave gaps (no points there) but never overlap."""
    low = float("-inf")
    ordered = sorted(intervals, key=lambda i: -float("inf") if i.min is None else i.min)
    for interval in ordered:
        start = float("-inf") if interval.min is None else interval.min
        end = float("inf") if interval.max is None else interval.max
        if start >= end:
            raise ValueError(f"计分区间 [{_fmt(interval.min)}, {_fmt(interval.max)}) 为空")
        if start < low:
            raise ValueError(
                f"计分区间 [{_fmt(interval.min)}, {_fmt(interval.max)}) 与前一区间重叠"
            )
        low = end


def _check_source(source: Source, catalog: Catalog) -> None:
    for code in source.items:
        if code not in catalog.items:
            raise ValueError(f"引用了不存在的目录项“{code}”")
        item = catalog.items[code]
        wanted = set(source.fields)
        if source.aggregate == "latest" and source.value not in LATEST_COLUMNS:
            wanted.add(str(source.value))
        for field_code in sorted(wanted):
            if field_code not in item.field_codes:
                raise ValueError(f"目录项 {code} 没有字段“{field_code}”")
            field = item.field(field_code)
            if field.type not in _FIELD_TYPES:
                raise ValueError(f"字段 {field_code} 的类型为 {field.type}，只能按代码或文本取值")
            if field.code_list and field_code in source.fields:
                codes = catalog.code_lists[field.code_list]
                unknown = [v for v in source.fields[field_code] if codes.canonical(v) != v]
                if unknown:
                    raise ValueError(
                        f"字段 {field_code} 的取值“{'、'.join(unknown)}”不在代码集"
                        f" {field.code_list} 中"
                    )


def _check_model(model: EvaluationModel, catalog: Catalog) -> None:
    if SubjectKind.natural_person in model.subject_kinds:
        raise ValueError("本平台的信用评价只适用于法人和非法人组织，不对自然人评分")
    try:
        check_bands(model.grades)
    except ValueError as exc:
        raise ValueError(f"等级划分：{exc}") from None
    codes = [i.code for _, i in model.indicators] + [v.code for v in model.vetoes]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ValueError(f"指标或否决项代码重复：{'、'.join(dupes)}")
    for dimension, indicator in model.indicators:
        where = f"维度 {dimension.code} 的指标 {indicator.code}（{indicator.name}）"
        if not indicator.basis.strip():
            raise ValueError(f"{where} 未注明法律或政策依据（basis）")
        try:
            _check_source(indicator.source, catalog)
            if indicator.scoring.intervals is not None:
                check_intervals(indicator.scoring.intervals)
            if indicator.scoring.categories is not None and indicator.source.aggregate != "latest":
                raise ValueError("按类别计分（categories）须取最新值（aggregate: latest）")
            if indicator.source.aggregate == "latest" and indicator.scoring.categories is None:
                raise ValueError("取最新值（aggregate: latest）的指标须按类别计分（categories）")
        except ValueError as exc:
            raise ValueError(f"{where}：{exc}") from None
    for veto in model.vetoes:
        where = f"一票否决项 {veto.code}（{veto.name}）"
        if not veto.basis.strip():
            raise ValueError(f"{where} 未注明法律或政策依据（basis）")
        if veto.grade not in model.grade_names:
            raise ValueError(f"{where} 的等级 {veto.grade} 不在等级划分中")
        if veto.source.aggregate != "exists":
            raise ValueError(f"{where} 须为 aggregate: exists（有记录即否决）")
        try:
            _check_source(veto.source, catalog)
        except ValueError as exc:
            raise ValueError(f"{where}：{exc}") from None
    for code in model.validation.outcome_items:
        if code not in catalog.items:
            raise ValueError(f"评价验证引用了不存在的目录项“{code}”")
    if model.effective_to is not None and model.effective_to <= model.effective_from:
        raise ValueError("失效日期 effective_to 应晚于生效日期 effective_from")


def load_model(path: Path, catalog: Catalog | None = None) -> EvaluationModel:
    """Load one model file and check it against the catalog."""
    try:
        raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise EvaluationModelError(f"{path.name}: YAML 格式错误：{exc}") from exc
    if not isinstance(raw, dict):
        raise EvaluationModelError(f"{path.name}: 评价模型文件应为一个映射（键: 值）")
    try:
        model = EvaluationModel.model_validate(raw)
    except ValidationError as exc:
        raise EvaluationModelError(f"{path.name}: {_describe(exc)}") from exc
    if model.code != path.stem:
        raise EvaluationModelError(f"{path.name}: 模型代码“{model.code}”应与文件名一致")
    try:
        _check_model(model, catalog or get_catalog())
    except ValueError as exc:
        raise EvaluationModelError(f"{path.name}: {exc}") from exc
    return model


def load_models(
    folder: Path | None = None, catalog: Catalog | None = None
) -> dict[str, EvaluationModel]:
    folder = folder or MODELS_DIR
    models = {}
    for path in sorted(folder.glob("*.yaml")):
        model = load_model(path, catalog)
        models[model.code] = model
    if not models:
        raise EvaluationModelError(f"{folder}: 没有任何评价模型文件")
    return models


@lru_cache(maxsize=1)
def evaluation_models() -> dict[str, EvaluationModel]:
    return load_models()


def evaluation_model(code: str) -> EvaluationModel:
    try:
        return evaluation_models()[code]
    except KeyError:
        known = "、".join(evaluation_models())
        raise EvaluationModelError(f"评价模型“{code}”不存在。现有模型：{known}") from None


def models_for(kind: str, day: date | None = None) -> list[EvaluationModel]:
    """The models in force on ``day`` (any day when None) that grade subjects of ``kind``."""
    return [
        m
        for m in evaluation_models().values()
        if kind in m.subject_kinds and (day is None or m.in_force(day))
    ]
