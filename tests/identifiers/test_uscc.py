"""Unified Social Credit Code (GB 32100-2015): the full check, as a user sees it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import stdnum.cn.uscc

from xinyong.identifiers import check_code, subject_kind_of_uscc
from xinyong.identifiers.uscc import check_uscc, org_code_check_char, uscc_check_char

DATA = Path(__file__).parent / "data" / "real_codes.tsv"
CJK = re.compile(r"[\u4e00-\u9fff]")


def read_real_codes() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


REAL_CODES = read_real_codes()


def make_uscc(pair: str, region: str = "440507", body: str = "MA4UQ7X1") -> str:
    """A code with correct check characters at positions 17 and 18."""
    org_check = org_code_check_char(body)
    assert org_check is not None
    first17 = pair + region + body + org_check
    return first17 + uscc_check_char(first17)


def assert_chinese(errors: list[str]) -> None:
    assert errors, "expected at least one error"
    for message in errors:
        assert CJK.search(message), f"error message is not Chinese: {message!r}"


def test_worked_example_with_wrong_check_character() -> None:
    result = check_code("91350100M000100Y4Z")
    assert not result.valid
    assert any("第18位应为“3”" in e for e in result.errors)
    assert_chinese(result.errors)


@pytest.mark.parametrize("code", ["914405007080295548", "12440000455860736B"])
def test_worked_examples_are_valid(code: str) -> None:
    result = check_code(code)
    assert result.valid, result.errors
    assert result.kind == "uscc"
    assert result.errors == []


def test_data_file_covers_every_expectation() -> None:
    expectations = {row["expect"] for row in REAL_CODES}
    assert expectations == {"valid", "invalid_check", "invalid_orgcode"}
    assert len(REAL_CODES) >= 80


@pytest.mark.parametrize("row", REAL_CODES, ids=[row["code"] for row in REAL_CODES])
def test_real_codes(row: dict[str, str]) -> None:
    result = check_code(row["code"])
    if row["expect"] == "valid":
        assert result.valid, result.errors
        assert result.kind == "uscc"
        return
    assert not result.valid
    assert_chinese(result.errors)
    if row["expect"] == "invalid_check":
        assert any("第18位" in e for e in result.errors), result.errors
    else:
        assert any("组织机构代码" in e for e in result.errors), result.errors


@pytest.mark.parametrize("pair", ["N1", "N2", "N3", "Y1", "A1"])
def test_authorities_stdnum_rejects_are_valid(pair: str) -> None:
    code = make_uscc(pair)
    assert check_code(code).valid, check_code(code).errors
    assert stdnum.cn.uscc.is_valid(code) is False


def test_wrong_embedded_organization_code_is_caught_unlike_stdnum() -> None:
    original = "914405007080295548"
    wrong17 = "5" if original[16] != "5" else "6"
    first17 = original[:16] + wrong17
    code = first17 + uscc_check_char(first17)
    assert stdnum.cn.uscc.is_valid(code) is True
    result = check_code(code)
    assert not result.valid
    assert any("组织机构代码" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


@pytest.mark.parametrize("pair", ["94", "14", "54", "A2", "N4", "Y2"])
def test_category_pair_outside_the_standard(pair: str) -> None:
    errors, _ = check_uscc(make_uscc(pair))
    assert any("第2位机构类别" in e for e in errors), errors
    assert_chinese(errors)


def test_category_pair_94_is_invalid_through_check_code() -> None:
    result = check_code(make_uscc("94"))
    assert not result.valid
    assert any("第2位机构类别“4”" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


@pytest.mark.parametrize("authority", ["B", "C", "0"])
def test_unknown_registering_authority(authority: str) -> None:
    result = check_code(make_uscc(authority + "1"))
    assert not result.valid
    assert any("第1位登记管理部门代码" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
@pytest.mark.parametrize("position", [1, 9, 17])
def test_illegal_letters_in_first_17_positions(letter: str, position: int) -> None:
    valid = "914405007080295548"
    code = valid[: position - 1] + letter + valid[position:]
    result = check_code(code)
    assert not result.valid
    assert any(f"“{letter}”" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


def test_province_that_does_not_exist() -> None:
    result = check_code(make_uscc("91", region="990000"))
    assert not result.valid
    assert any("“99”不存在" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


def test_real_region_is_accepted_without_notes() -> None:
    result = check_code(make_uscc("91", region="440507"))
    assert result.valid
    assert result.notes == []


@pytest.mark.parametrize("code", ["91440500708029554", "9144050070802955480", "91"])
def test_wrong_length(code: str) -> None:
    result = check_code(code)
    assert not result.valid
    assert result.kind == "uscc"
    assert any(f"应为18位，实为{len(code)}位" in e for e in result.errors), result.errors
    assert_chinese(result.errors)


@pytest.mark.parametrize(
    ("pair", "kind"),
    [
        ("91", "enterprise"),
        ("92", "individual_business"),
        ("93", "farmer_cooperative"),
        ("11", "government_body"),
        ("12", "public_institution"),
        ("51", "social_organization"),
        ("52", "social_organization"),
        ("53", "social_organization"),
        ("N1", "collective_economic_org"),
        ("N2", "collective_economic_org"),
        ("N3", "collective_economic_org"),
        ("13", "other_organization"),
        ("31", "other_organization"),
        ("71", "other_organization"),
        ("N9", "other_organization"),
        ("Y1", "other_organization"),
        ("A1", "other_organization"),
    ],
)
def test_subject_kind_follows_category_pair(pair: str, kind: str) -> None:
    code = make_uscc(pair)
    assert subject_kind_of_uscc(code) == kind
    result = check_code(code)
    assert result.valid, result.errors
    assert result.subject_kind == kind


def test_as_dict_keys() -> None:
    data = check_code("91350100M000100Y4Z").as_dict()
    assert {"input", "valid", "normalized", "kind", "errors"} <= set(data)
    assert data["input"] == "91350100M000100Y4Z"
    assert data["valid"] is False
    assert data["normalized"] == "91350100M000100Y4Z"
    assert data["kind"] == "uscc"
    assert isinstance(data["errors"], list) and data["errors"]


def test_numeric_public_institution_code_with_typo_is_diagnosed_as_uscc() -> None:
    result = check_code("124300004448750351")
    assert not result.valid
    assert result.kind == "uscc"
    assert any("第18位应为“0”" in e for e in result.errors), result.errors
