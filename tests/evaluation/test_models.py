"""Evaluation models are dated data: the shipped ones load, an inconsistent one is refused at
load with a message naming the file and the part."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xinyong.evaluation.registry import (
    MODELS_DIR,
    EvaluationModelError,
    load_model,
    load_models,
)
from xinyong.evaluation.schema import Scoring
from xinyong.measures.registry import MeasureError, load_measure_book

MEASURES_DIR = Path(__file__).parents[2] / "xinyong" / "measures"


def test_the_four_models_load_with_their_grades() -> None:
    models = load_models()
    assert {code: m.grade_names for code, m in models.items()} == {
        "general_enterprise": ["A", "B", "C", "D"],
        "gov_integrity": ["A", "B", "C", "D"],
        "weihai_market": ["A", "B", "C", "D"],
        "yiwu_enterprise": ["A", "B", "C", "D", "E"],
    }
    yiwu = models["yiwu_enterprise"]
    assert {v.grade for v in yiwu.vetoes} == {"E"}
    points = [_points(i.scoring) for _, i in yiwu.indicators]
    assert any(max(p) > 0 for p in points) and any(min(p) < 0 for p in points)  # add / deduct
    assert models["general_enterprise"].standard.startswith("GB/T 45255-2025")
    assert models["gov_integrity"].subject_kinds == ["government_body"]
    for model in models.values():
        assert "natural_person" not in model.subject_kinds
        assert all(i.basis.strip() for _, i in model.indicators)


def _points(scoring: Scoring) -> list[float]:
    if scoring.per_unit is not None:
        return [scoring.per_unit]
    if scoring.categories is not None:
        return list(scoring.categories.values())
    return [i.points for i in scoring.intervals or []]


def _write(tmp_path: Path, change: object) -> Path:
    raw = yaml.safe_load((MODELS_DIR / "general_enterprise.yaml").read_text(encoding="utf-8"))
    change(raw)  # type: ignore[operator]
    path = tmp_path / "general_enterprise.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_gap_between_bands_is_refused_naming_the_band(tmp_path: Path) -> None:
    def gap(raw: dict) -> None:  # type: ignore[type-arg]
        raw["grades"][1]["min"] = 720  # B from 720, C up to 700: [700, 720) has no grade

    with pytest.raises(EvaluationModelError) as refused:
        load_model(_write(tmp_path, gap))
    message = str(refused.value)
    assert "general_enterprise.yaml" in message
    assert "等级 B 与 C 之间有空档" in message and "[700, 720)" in message


def test_overlapping_bands_are_refused_naming_the_band(tmp_path: Path) -> None:
    def overlap(raw: dict) -> None:  # type: ignore[type-arg]
        raw["grades"][2]["max"] = 720

    with pytest.raises(EvaluationModelError, match="等级 B 与 C 的区间重叠"):
        load_model(_write(tmp_path, overlap))


def test_an_indicator_without_a_basis_is_refused_naming_it(tmp_path: Path) -> None:
    def no_basis(raw: dict) -> None:  # type: ignore[type-arg]
        raw["dimensions"][0]["indicators"][1]["basis"] = "  "

    with pytest.raises(
        EvaluationModelError, match="penalty_serious（严重行政处罚） 未注明法律或政策依据"
    ):
        load_model(_write(tmp_path, no_basis))


def test_a_veto_without_a_basis_is_refused(tmp_path: Path) -> None:
    def no_basis(raw: dict) -> None:  # type: ignore[type-arg]
        del raw["vetoes"][0]["basis"]

    with pytest.raises(EvaluationModelError, match=r"vetoes\.0\.basis：缺少必填项"):
        load_model(_write(tmp_path, no_basis))


def test_natural_persons_are_not_graded(tmp_path: Path) -> None:
    def persons(raw: dict) -> None:  # type: ignore[type-arg]
        raw["subject_kinds"].append("natural_person")

    with pytest.raises(EvaluationModelError, match="不对自然人评分"):
        load_model(_write(tmp_path, persons))


def test_a_source_outside_the_catalog_is_refused(tmp_path: Path) -> None:
    def unknown(raw: dict) -> None:  # type: ignore[type-arg]
        raw["dimensions"][0]["indicators"][0]["source"]["items"] = ["religion_records"]

    with pytest.raises(EvaluationModelError, match="不存在的目录项“religion_records”"):
        load_model(_write(tmp_path, unknown))


def test_a_field_value_outside_its_code_list_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load((MODELS_DIR / "weihai_market.yaml").read_text(encoding="utf-8"))
    raw["dimensions"][0]["indicators"][0]["source"]["fields"]["JC_JGQK"] = ["合格"]
    path = tmp_path / "weihai_market.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(EvaluationModelError, match="“合格”不在代码集 inspection_result 中"):
        load_model(path)


def test_a_veto_grade_must_be_a_band(tmp_path: Path) -> None:
    def wrong(raw: dict) -> None:  # type: ignore[type-arg]
        raw["vetoes"][0]["grade"] = "E"

    with pytest.raises(EvaluationModelError, match="等级 E 不在等级划分中"):
        load_model(_write(tmp_path, wrong))


def test_a_measure_triggered_by_an_unknown_grade_is_refused(tmp_path: Path) -> None:
    text = (MEASURES_DIR / "measures.yaml").read_text(encoding="utf-8")
    assert "general_enterprise: [D]" in text
    (tmp_path / "measures.yaml").write_text(
        text.replace("general_enterprise: [D]", "general_enterprise: [Z]"), encoding="utf-8"
    )
    (tmp_path / "matters.yaml").write_text(
        (MEASURES_DIR / "matters.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(MeasureError, match="general_enterprise 中不存在的等级：Z"):
        load_measure_book(tmp_path)
