"""Identifier validation: USCC (GB 32100), organization code (GB 11714), resident ID (GB 11643)."""

from xinyong.identifiers.check import CodeCheck, check_code
from xinyong.identifiers.normalize import Normalized, normalize_code
from xinyong.identifiers.resident_id import check_resident_id, mask_resident_id
from xinyong.identifiers.uscc import check_uscc, subject_kind_of_uscc

__all__ = [
    "CodeCheck",
    "Normalized",
    "check_code",
    "check_resident_id",
    "check_uscc",
    "mask_resident_id",
    "normalize_code",
    "subject_kind_of_uscc",
]
