"""Resident identity numbers (GB 11643)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from xinyong.identifiers import check_code, mask_resident_id
from xinyong.identifiers.resident_id import resident_id_check_char

TODAY = date(2026, 1, 15)
CJK = re.compile(r"[\u4e00-\u9fff]")


def make_id(region: str, born: str, sequence: str = "001") -> str:
    first17 = region + born + sequence
    return first17 + resident_id_check_char(first17)


def assert_chinese(errors: list[str]) -> None:
    assert errors
    assert all(CJK.search(e) for e in errors), errors


def test_valid_example() -> None:
    result = check_code("11010519491231002X", today=TODAY)
    assert result.valid, result.errors
    assert result.kind == "resident_id"
    assert result.subject_kind == "natural_person"


def test_wrong_check_character_names_expected_one() -> None:
    result = check_code("110105194912310021", today=TODAY)
    assert not result.valid
    assert result.kind == "resident_id"
    assert any("第18位应为“X”" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


def test_impossible_birth_date() -> None:
    code = make_id("110105", "19990230")
    result = check_code(code, today=TODAY)
    assert not result.valid
    assert any("19990230" in e and "日期" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


def test_birth_date_in_the_future() -> None:
    code = make_id("110105", "20260116")
    result = check_code(code, today=TODAY)
    assert not result.valid
    assert any("晚于今天" in e for e in result.errors), result.errors
    assert check_code(code, today=date(2026, 1, 16)).valid


def test_unknown_province_rejected() -> None:
    result = check_code(make_id("990105", "19900101"), today=TODAY)
    assert not result.valid
    assert any("990105" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


@pytest.mark.parametrize("region", ["449999", "110199"])
def test_unknown_county_rejected(region: str) -> None:
    result = check_code(make_id(region, "19900101"), today=TODAY)
    assert not result.valid


def test_lower_case_x_is_normalised() -> None:
    result = check_code("11010519491231002x", today=TODAY)
    assert result.valid, result.errors
    assert result.normalized == "11010519491231002X"
    assert result.fixes


def test_old_15_digit_number_rejected() -> None:
    result = check_code("110105491231002", today=TODAY)
    assert not result.valid
    assert result.kind == "resident_id"
    assert any("15位" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


def test_mask_keeps_first_and_last_four() -> None:
    masked = mask_resident_id("44050719900101123X")
    assert masked == "4405**********123X"
    assert len(masked) == 18


def test_mask_hides_birth_date() -> None:
    assert "19491231" not in mask_resident_id("11010519491231002X")


def test_as_dict_keys() -> None:
    data = check_code("11010519491231002X", today=TODAY).as_dict()
    assert {"input", "valid", "normalized", "kind", "errors"} <= set(data)
    assert data["kind"] == "resident_id"
    assert data["valid"] is True
    assert data["errors"] == []
