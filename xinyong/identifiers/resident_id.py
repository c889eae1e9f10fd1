"""Resident identity number (居民身份证号码, GB 11643)."""

from __future__ import annotations

from datetime import date

from xinyong.identifiers import regions

# The check character (the only place it is defined; ``xinyong.ingest.idcheck`` reads these
# tables for its column-at-once form): RESIDENT_CHECK[weighted sum % len(RESIDENT_CHECK)].
DIGIT_VALUES = {str(d): d for d in range(10)}
RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_CHECK = "10X98765432"
EARLIEST_BIRTH = date(1880, 1, 1)


def resident_id_check_char(first17: str) -> str:
    total = sum(DIGIT_VALUES[ch] * w for ch, w in zip(first17, RESIDENT_WEIGHTS, strict=True))
    return RESIDENT_CHECK[total % len(RESIDENT_CHECK)]


def birth_date_of(code: str) -> date | None:
    try:
        return date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None


def _birth_errors(code: str, today: date) -> list[str]:
    born = birth_date_of(code)
    if born is None:
        return [f"第7-14位出生日期“{code[6:14]}”不是有效日期"]
    if born > today:
        return [f"出生日期{born.isoformat()}晚于今天"]
    if born < EARLIEST_BIRTH:
        return [f"出生日期{born.isoformat()}早于{EARLIEST_BIRTH.year}年，不合理"]
    return []


def _region_errors(code: str) -> list[str]:
    region = code[:6]
    if regions.province_name(region) is None:
        return [f"前6位地址码“{region}”的省级代码“{region[:2]}”不存在"]
    if regions.division_name(region) is None:
        return [f"前6位地址码“{region}”不是有效的行政区划代码"]
    return []


def check_resident_id(code: str, today: date) -> list[str]:
    """Errors for an already-normalised resident ID; an empty list means valid."""
    if len(code) == 15 and code.isdigit():
        return ["15位旧身份证号码不能直接使用，请提供18位号码"]
    if len(code) != 18:
        return [f"居民身份证号码应为18位，实为{len(code)}位"]
    if not all(ch in DIGIT_VALUES for ch in code[:17]):  # ASCII digits only
        return ["居民身份证号码前17位应全部为数字"]
    if code[17] not in "0123456789X":
        return [f"第18位“{code[17]}”应为数字或X"]
    errors = _region_errors(code) + _birth_errors(code, today)
    expected = resident_id_check_char(code[:17])
    if code[17] != expected:
        errors.append(f"校验码错误：第18位应为“{expected}”，实为“{code[17]}”")
    return errors


def mask_resident_id(code: str) -> str:
    """Public form of an ID number: first 4 and last 4 characters kept."""
    if len(code) <= 8:
        return "*" * len(code)
    return code[:4] + "*" * (len(code) - 8) + code[-4:]
