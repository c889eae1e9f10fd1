"""One entry point: tell what a code is, whether it is valid, and why not."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from xinyong.identifiers.normalize import normalize_code
from xinyong.identifiers.regions import NATIONAL_CODE, division_name
from xinyong.identifiers.resident_id import EARLIEST_BIRTH, birth_date_of, check_resident_id
from xinyong.identifiers.uscc import CATEGORY_PAIRS, check_uscc, subject_kind_of_uscc


@dataclass
class CodeCheck:
    input: str
    normalized: str
    valid: bool
    kind: str | None  # "uscc" or "resident_id" (None when neither could be recognised)
    subject_kind: str | None
    errors: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "input": self.input,
            "valid": self.valid,
            "normalized": self.normalized,
            "kind": self.kind,
            "subject_kind": self.subject_kind,
            "errors": self.errors,
            "fixes": self.fixes,
            "notes": self.notes,
        }


def _known_region(region: str) -> bool:
    return region == NATIONAL_CODE or division_name(region) is not None


def _resident_id_score(code: str) -> int:
    born = birth_date_of(code)
    return int(_known_region(code[:6])) + int(born is not None and born >= EARLIEST_BIRTH)


def _uscc_score(code: str) -> int:
    return int(code[:2] in CATEGORY_PAIRS) + int(_known_region(code[2:8]))


def guess_kind(code: str) -> str:
    """Which identifier a normalised code most plausibly is.

    A code of 17 digits plus a check character can be either. It is a USCC when it checks as
    one; otherwise whichever reading has more plausible parts (address code and birth date for
    a resident ID; category pair and division code for a USCC), a resident ID on a tie.
    """
    if len(code) == 15 and code.isdigit():
        return "resident_id"
    if len(code) != 18 or not code[:17].isdigit():
        return "uscc"
    if not check_uscc(code)[0]:
        return "uscc"
    return "uscc" if _uscc_score(code) > _resident_id_score(code) else "resident_id"


def check_uscc_value(raw: str) -> CodeCheck:
    norm = normalize_code(raw)
    errors, notes = check_uscc(norm.value)
    return CodeCheck(
        input=raw,
        normalized=norm.value,
        valid=not errors,
        kind="uscc",
        subject_kind=subject_kind_of_uscc(norm.value) if not errors else None,
        errors=errors,
        fixes=norm.fixes,
        notes=notes,
    )


def check_resident_id_value(raw: str, today: date) -> CodeCheck:
    norm = normalize_code(raw)
    errors = check_resident_id(norm.value, today)
    return CodeCheck(
        input=raw,
        normalized=norm.value,
        valid=not errors,
        kind="resident_id",
        subject_kind="natural_person" if not errors else None,
        errors=errors,
        fixes=norm.fixes,
    )


def check_code(raw: str, today: date | None = None) -> CodeCheck:
    """Check a code of unknown kind (USCC or resident ID)."""
    from xinyong.clock import today as current_day

    day = today or current_day()
    norm = normalize_code(raw)
    if not norm.value:
        return CodeCheck(raw, "", False, None, None, ["代码为空"], norm.fixes)
    if guess_kind(norm.value) == "resident_id":
        return check_resident_id_value(raw, day)
    return check_uscc_value(raw)
