"""Normalisation of codes as departments type them."""

from __future__ import annotations

import re

import pytest

from xinyong.identifiers import check_code, normalize_code

CJK = re.compile(r"[\u4e00-\u9fff]")
FULL_WIDTH = "全角字符已转为半角"
SPACES = "已去除空格"
LOWER = "小写字母已转为大写"


@pytest.mark.parametrize(
    ("raw", "expected", "fix"),
    [
        ("９１４４０５００７０８０２９５５４８", "914405007080295548", FULL_WIDTH),
        ("１２４４００００４５５８６０７３６Ｂ", "12440000455860736B", FULL_WIDTH),
        ("9144 0500 7080 2955 48", "914405007080295548", SPACES),
        (" 914405007080295548\t", "914405007080295548", SPACES),
        ("914405007080295548\u3000", "914405007080295548", SPACES),
        ("9144\u30000500708029554８", "914405007080295548", SPACES),
        ("12440000455860736b", "12440000455860736B", LOWER),
        ("11010519491231002x", "11010519491231002X", LOWER),
    ],
)
def test_each_fix_is_applied_and_listed(raw: str, expected: str, fix: str) -> None:
    result = normalize_code(raw)
    assert result.value == expected
    assert fix in result.fixes
    assert all(CJK.search(f) for f in result.fixes)
    check = check_code(raw)
    assert check.valid, check.errors
    assert check.normalized == expected
    assert fix in check.fixes


def test_all_fixes_together() -> None:
    result = normalize_code("１２４４ ００００ ４５５８ ６０７３ ６ｂ")
    assert result.value == "12440000455860736B"
    assert result.fixes == [FULL_WIDTH, SPACES, LOWER]
    assert check_code(result.value).valid


def test_clean_code_needs_no_fix() -> None:
    result = normalize_code("914405007080295548")
    assert result.value == "914405007080295548"
    assert result.fixes == []


def test_empty_input_is_invalid_with_chinese_message() -> None:
    result = check_code(" \u3000 ")
    assert not result.valid
    assert result.normalized == ""
    assert result.errors and all(CJK.search(e) for e in result.errors)
