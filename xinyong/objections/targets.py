"""What an objection disputes: a record (the default) or a grade under an evaluation model."""

from __future__ import annotations

from xinyong.objections.models import Objection

GRADE_KEY = "grade:"
GRADE_GROUNDS = {
    "wrong_score": "评价指标计分或所依据的信息有误",
    "wrong_or_missing": "信息错误或遗漏",
    "other": "其他情形",
}


def grade_key(model: str) -> str:
    """The objection's ``record_key`` for a grade under ``model`` (never a record's key)."""
    return f"{GRADE_KEY}{model}"


def is_grade_objection(objection: Objection) -> bool:
    return objection.record_key.startswith(GRADE_KEY)
