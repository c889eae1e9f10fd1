"""Integers a caller sends in a path, a query, a form or a body: bounded, with the reason in
Chinese. A database integer has 64 bits; a bigger number (or a negative offset, a page 0)
used to reach the database and come back as a server error."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import Path
from pydantic import BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError

MAX_INT64 = 2**63 - 1
MAX_PAGE = 1_000_000
_DIGITS = 20  # more digits than any 64-bit integer: refused without parsing


def _bounded(minimum: int, maximum: int, what: str) -> BeforeValidator:
    def check(value: Any, info: ValidationInfo) -> int:
        name = f"参数 {info.field_name} " if info.field_name else ""
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
            number = int(value)
        elif isinstance(value, str) and len(value.strip().lstrip("+-")) <= _DIGITS:
            text = value.strip()
            number = int(text) if text.lstrip("+-").isdigit() else None
        else:
            number = None if not isinstance(value, str) else _huge(value)
        shown = str(value) if len(str(value)) <= 40 else str(value)[:40] + "…"
        if number is None:
            raise PydanticCustomError(
                "integer_parsing",
                "{name}“{value}”不是整数：{what}应为整数",
                {"name": name, "value": shown, "what": what},
            )
        if not minimum <= number <= maximum:
            raise PydanticCustomError(
                "integer_range",
                "{name}“{value}”超出范围：{what}应在 {minimum} 到 {maximum} 之间",
                {
                    "name": name,
                    "value": shown,
                    "what": what,
                    "minimum": minimum,
                    "maximum": maximum,
                },
            )
        return number

    return BeforeValidator(check)


def _huge(value: str) -> int | None:
    """A string of digits too long to be a 64-bit integer: a number out of range (never
    parsed: Python refuses to parse very long integers, and it costs time)."""
    text = value.strip().lstrip("+-")
    if text.isdigit():
        return MAX_INT64 + 1 if not value.strip().startswith("-") else -MAX_INT64 - 2
    return None


Id = Annotated[int, Ge(1), Le(MAX_INT64), _bounded(1, MAX_INT64, "编号")]
"""A record, objection, application, batch ... number: 1 to 2**63 - 1."""
Offset = Annotated[int, Ge(0), Le(MAX_INT64), _bounded(0, MAX_INT64, "偏移量")]
"""Rows to skip: 0 to 2**63 - 1."""
Page = Annotated[int, Ge(1), Le(MAX_PAGE), _bounded(1, MAX_PAGE, "页码")]
"""A page number of the portal's lists: 1 to 1,000,000."""

Limit100 = Annotated[int, Ge(1), Le(100), _bounded(1, 100, "每页条数")]
Limit500 = Annotated[int, Ge(1), Le(500), _bounded(1, 500, "每页条数")]
Limit1000 = Annotated[int, Ge(1), Le(1000), _bounded(1, 1000, "每页条数")]
"""Rows per page: 1 to 100, 500, 1000."""


def _job_id(value: Any) -> str:
    text = str(value)
    if len(text) != 32 or any(ch not in "0123456789abcdef" for ch in text):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise PydanticCustomError(
            "job_id", "任务编号“{value}”无效：应为32位十六进制数字", {"value": shown}
        )
    return text


JobId = Annotated[
    str,
    Path(pattern="^[0-9a-f]{32}$", description="批量核查任务编号（32位十六进制）"),
    BeforeValidator(_job_id),
]
"""A bulk check's job id (it names a folder: nothing but its 32 hex digits)."""
