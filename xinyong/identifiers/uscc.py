"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015), full check.

Unlike python-stdnum, this accepts registering authorities A, N and Y and checks the
embedded organization code (GB 11714) as well as the final check character.
"""

from __future__ import annotations

from xinyong.identifiers import regions

# Check characters (the only place they are defined; ``xinyong.ingest.idcheck`` reads these
# tables for its column-at-once form): a check character is TABLE[weighted sum % len(TABLE)].
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CHAR_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
USCC_CHECK = tuple(ALPHABET[(31 - r) % 31] for r in range(31))  # GB 32100 position 18
ORG_VALUES = {**{str(d): d for d in range(10)}, **{chr(c): c - 55 for c in range(65, 91)}}
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CHECK = tuple({10: "X", 11: "0"}.get(11 - r, str(11 - r)) for r in range(11))  # GB 11714

AUTHORITIES = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商/市场监管",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
CATEGORY_PAIRS = frozenset(
    (
        *("11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49"),
        *("51", "52", "53", "59", "61", "62", "69", "71", "72", "79", "81", "89", "91", "92"),
        *("93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"),
    )
)
KIND_BY_CATEGORY = {
    "11": "government_body",
    "12": "public_institution",
    "51": "social_organization",
    "52": "social_organization",
    "53": "social_organization",
    "91": "enterprise",
    "92": "individual_business",
    "93": "farmer_cooperative",
    "N1": "collective_economic_org",
    "N2": "collective_economic_org",
    "N3": "collective_economic_org",
}
OTHER_ORGANIZATION = "other_organization"


def subject_kind_of_uscc(code: str) -> str:
    """Subject kind derived from the category pair (positions 1-2) of a valid code."""
    return KIND_BY_CATEGORY.get(code[:2], OTHER_ORGANIZATION)


def uscc_check_char(first17: str) -> str:
    total = sum(CHAR_VALUES[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHECK[total % len(USCC_CHECK)]


def org_code_check_char(body8: str) -> str | None:
    """Check character of a GB 11714 organization code body; None if a character is illegal."""
    if any(ch not in ORG_VALUES for ch in body8):
        return None
    total = sum(ORG_VALUES[ch] * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    return ORG_CHECK[total % len(ORG_CHECK)]


def _alphabet_errors(code: str) -> list[str]:
    bad = sorted({ch for ch in code if ch not in CHAR_VALUES})
    if not bad:
        return []
    shown = "、".join(f"“{ch}”" for ch in bad)
    return [f"含有不允许的字符 {shown}（统一社会信用代码不使用 I、O、Z、S、V）"]


def _category_errors(code: str) -> list[str]:
    errors = []
    if code[0] not in AUTHORITIES:
        errors.append(f"第1位登记管理部门代码“{code[0]}”不存在")
    elif code[:2] not in CATEGORY_PAIRS:
        errors.append(
            f"第2位机构类别“{code[1]}”不属于登记管理部门“{code[0]}”"
            f"（{AUTHORITIES[code[0]]}）的有效类别"
        )
    return errors


def _region_errors(code: str) -> tuple[list[str], list[str]]:
    """Errors and notes about positions 3-8 (administrative division)."""
    region = code[2:8]
    if not region.isdigit():
        return [f"第3-8位登记管理机关行政区划码“{region}”应为6位数字"], []
    if region == regions.NATIONAL_CODE:
        return [], []
    if regions.province_name(region) is None:
        return [f"第3-8位行政区划码“{region}”的省级代码“{region[:2]}”不存在"], []
    if regions.division_name(region) is None:
        return [], [f"行政区划码“{region}”不在已知区划表中（可能为开发区等功能区代码）"]
    return [], []


def _check_char_errors(code: str) -> list[str]:
    errors = []
    body = code[8:16]
    expected_org = org_code_check_char(body)
    if expected_org is None:
        errors.append(f"第9-16位组织机构代码本体“{body}”含有非法字符")
    elif code[16] != expected_org:
        errors.append(
            f"第9-17位组织机构代码“{code[8:17]}”校验失败：第17位应为“{expected_org}”，"
            f"实为“{code[16]}”"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        illegal = "（该字符不在代码字符集中）" if code[17] not in CHAR_VALUES else ""
        errors.append(f"校验位错误：第18位应为“{expected}”，实为“{code[17]}”{illegal}")
    return errors


def check_uscc(code: str) -> tuple[list[str], list[str]]:
    """Return (errors, notes) for an already-normalised code; no errors means valid."""
    if len(code) != 18:
        return [f"统一社会信用代码应为18位，实为{len(code)}位"], []
    errors = _alphabet_errors(code[:17])
    if errors:
        return errors, []
    errors = _category_errors(code)
    region_errors, notes = _region_errors(code)
    errors += region_errors
    errors += _check_char_errors(code)
    return errors, notes
