"""Industry (GB/T 4754) and district of each subject, from its registration data.

The industry is the code the current registration record (``registration_basics``, field
``DJ_HYDM``) gives, checked against the sections and divisions of GB/T 4754-2017
(``industries.yaml``) and written with its section letter (``5212`` becomes ``F5212``). The
district is the county-level division named by the subject's code (USCC characters 3-8, the
resident ID's first six) when it is one of the city's (``districts.yaml``), otherwise the
one its address (or the registration's 住所) names. ``classify_subjects`` writes only what
changed; the daily job and the demo city run it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from xinyong.records.layouts import layout_codes
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

HERE = Path(__file__).parent
REGISTRATION = "registration_basics"
INDUSTRY_FIELD = "DJ_HYDM"
ADDRESS_FIELD = "DJ_ZS"
_CODE = re.compile(r"^([A-T]?)(\d{2,4})$")
WRITE_CHUNK = 5000


@dataclass(frozen=True)
class Section:
    letter: str
    name: str
    first: int
    last: int


@lru_cache(maxsize=1)
def sections() -> dict[str, Section]:
    raw = yaml.safe_load((HERE / "industries.yaml").read_text(encoding="utf-8"))
    found = {}
    for letter, body in raw["sections"].items():
        first, last = body["divisions"]
        found[letter] = Section(letter, body["name"], int(first), int(last))
    return found


@lru_cache(maxsize=1)
def districts() -> dict[str, str]:
    """Every district code the platform knows, with its name."""
    raw = yaml.safe_load((HERE / "districts.yaml").read_text(encoding="utf-8"))
    return {
        str(code): name
        for city in raw["cities"].values()
        for code, name in city["districts"].items()
    }


def section_of_division(division: int) -> Section | None:
    return next((s for s in sections().values() if s.first <= division <= s.last), None)


class IndustryCodeError(ValueError):
    """A code that is not a GB/T 4754-2017 code; the message is in Chinese."""


def industry_code(raw: Any) -> str:
    """The canonical code (section letter and digits) of ``raw``; raises IndustryCodeError."""
    text = str(raw or "").strip().upper()
    match = _CODE.match(text)
    if not match:
        raise IndustryCodeError(
            f"行业代码“{text}”不符合 GB/T 4754—2017：应为门类字母加两至四位数字（如 F5212）"
        )
    letter, digits = match.groups()
    section = section_of_division(int(digits[:2]))
    if section is None:
        raise IndustryCodeError(f"行业代码“{text}”的大类 {digits[:2]} 不存在")
    if letter and letter != section.letter:
        raise IndustryCodeError(
            f"行业代码“{text}”：大类 {digits[:2]} 属于门类 {section.letter}（{section.name}），"
            f"不属于门类 {letter}"
        )
    return section.letter + digits


def industry_or_none(raw: Any) -> str | None:
    try:
        return industry_code(raw)
    except IndustryCodeError:
        return None


def section_name(code: str | None) -> str:
    """The section (门类) a stored code belongs to, for display."""
    if not code:
        return "未分类"
    section = sections().get(code[0])
    return f"{section.letter} {section.name}" if section else "未分类"


def district_of(region: str | None, address: str | None) -> str | None:
    known = districts()
    if region and region in known:
        return region
    if address:
        for code, name in known.items():
            # The district follows the city (or opens the address): 东城区 is not 城区.
            if address.startswith(name) or f"市{name}" in address:
                return code
    return None


def _registrations(session: Session) -> dict[int, tuple[Any, Any]]:
    """Each subject's current registration record: (industry code, address) as sent."""
    rows = session.execute(
        select(Record.subject_id, Record.layout_id, Record.stored_values).where(
            Record.item == REGISTRATION, Record.is_current.is_(True)
        )
    )
    found: dict[int, tuple[Any, Any]] = {}
    positions: dict[int, tuple[int | None, int | None]] = {}
    for subject_id, layout_id, values in rows:
        if layout_id not in positions:
            codes = list(layout_codes(session, layout_id))
            positions[layout_id] = (
                codes.index(INDUSTRY_FIELD) if INDUSTRY_FIELD in codes else None,
                codes.index(ADDRESS_FIELD) if ADDRESS_FIELD in codes else None,
            )
        at_industry, at_address = positions[layout_id]
        values = values or []
        industry = values[at_industry] if at_industry is not None else None
        address = values[at_address] if at_address is not None else None
        found[subject_id] = (industry, address)
    return found


@dataclass
class ClassifyReport:
    subjects: int = 0
    changed: int = 0
    invalid_industry: int = 0  # registration records whose code is not GB/T 4754


def classify_subjects(session: Session) -> ClassifyReport:
    """Set industry and district on every subject from its registration data."""
    report = ClassifyReport()
    registrations = _registrations(session)
    changes = []
    rows = session.execute(
        select(Subject.id, Subject.region, Subject.address, Subject.industry, Subject.district)
    )
    for sid, region, address, industry, district in rows:
        report.subjects += 1
        sent_industry, sent_address = registrations.get(sid, (None, None))
        new_industry = industry_or_none(sent_industry) if sent_industry else None
        if sent_industry and new_industry is None:
            report.invalid_industry += 1
        new_district = district_of(region, address or sent_address)
        if (new_industry, new_district) != (industry, district):
            changes.append({"sid": sid, "industry": new_industry, "district": new_district})
    statement = (
        update(Subject)
        .where(Subject.id == bindparam("sid"))
        .values(industry=bindparam("industry"), district=bindparam("district"))
        .execution_options(synchronize_session=False)
    )
    for start in range(0, len(changes), WRITE_CHUNK):
        session.connection().execute(statement, changes[start : start + WRITE_CHUNK])
    report.changed = len(changes)
    return report
