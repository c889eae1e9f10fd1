"""City credit monitoring indicators (``indicators.yaml``) as dated versions, validated at load.

An indicator that does not hold together is refused with a ``MonitoringIndicatorError``
naming the version, the indicator and the reason: a part over a table the monitoring may not
read, SQL that is more than a condition (a statement separator, a comment), a ratio without a
denominator, a check on a numerator that has its own rows, no basis.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

INDICATORS_FILE = Path(__file__).parent / "indicators.yaml"
# The tables a part may read, and the column that identifies a row in each.
TABLES = {
    "records": "id",
    "subjects": "id",
    "batches": "id",
    "code_conflicts": "id",
    "objections": "id",
    "repair_applications": "id",
    "list_recognitions": "id",
    "joint_tasks": "id",
    "credit_checks": "id",
}
_COLUMN = r"^[a-z_][a-z0-9_]*$"
_FORBIDDEN = re.compile(r";|--|/\*|\b(insert|update|delete|drop|alter|create|grant)\b", re.I)
_Strict = ConfigDict(extra="forbid")


class Span(BaseModel):
    model_config = _Strict
    start: str = Field(pattern=_COLUMN)
    end: str = Field(pattern=_COLUMN)


class WithinWorkingDays(Span):
    days: int = Field(ge=1)


class OnOrBefore(BaseModel):
    model_config = _Strict
    day: str = Field(pattern=_COLUMN)
    due: str = Field(pattern=_COLUMN)


class Check(BaseModel):
    """A named test a row passes; exactly one is given."""

    model_config = _Strict
    within_working_days: WithinWorkingDays | None = None
    on_or_before: OnOrBefore | None = None

    @model_validator(mode="after")
    def _one(self) -> Check:
        if (self.within_working_days is None) == (self.on_or_before is None):
            raise ValueError("检查项（check）须且只能给出一种：within_working_days 或 on_or_before")
        return self

    @property
    def columns(self) -> list[str]:
        if self.within_working_days:
            return [self.within_working_days.start, self.within_working_days.end]
        assert self.on_or_before is not None
        return [self.on_or_before.day, self.on_or_before.due]


class Amount(BaseModel):
    model_config = _Strict
    working_days: Span


class Part(BaseModel):
    model_config = _Strict
    from_: str | None = Field(None, alias="from")
    where: str | None = None
    department: str | None = Field(None, pattern=_COLUMN)
    amount: str | Amount | None = None
    check: Check | None = None
    keep_rows: bool = True

    @property
    def columns(self) -> list[str]:
        found = list(self.check.columns) if self.check else []
        if isinstance(self.amount, Amount):
            found += [self.amount.working_days.start, self.amount.working_days.end]
        return found


class Indicator(BaseModel):
    model_config = _Strict
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    group: str
    formula: str
    kind: Literal["ratio", "average", "sum_ratio", "count"]
    direction: Literal["higher", "lower"]
    target: float | None = None
    responsible: str
    basis: str
    numerator: Part
    denominator: Part | None = None

    def better(self, value: float, than: float) -> bool:
        return value > than if self.direction == "higher" else value < than

    def misses(self, value: float | None) -> bool:
        if value is None or self.target is None:
            return False
        return value < self.target if self.direction == "higher" else value > self.target


class IndicatorVersion(BaseModel):
    model_config = _Strict
    effective_from: date
    source: str
    followup_working_days: int = Field(ge=1)
    indicators: list[Indicator]

    def indicator(self, code: str) -> Indicator:
        for found in self.indicators:
            if found.code == code:
                return found
        raise KeyError(code)


class MonitoringIndicatorError(ValueError):
    """The monitoring indicators do not hold together; the message names the indicator."""


def _check_part(part: Part, where: str) -> None:
    if part.from_ is None:
        return
    if part.from_ not in TABLES:
        raise ValueError(f"{where} 读取的表“{part.from_}”不在允许范围内：{'、'.join(TABLES)}")
    texts = [part.where or ""] + ([part.amount] if isinstance(part.amount, str) else [])
    for sql in texts:
        if _FORBIDDEN.search(sql):
            raise ValueError(
                f"{where} 的条件只能是查询条件，不能含语句分隔符、注释或修改语句：{sql}"
            )


def _check(version: IndicatorVersion) -> None:
    codes = [i.code for i in version.indicators]
    if dupes := sorted({c for c in codes if codes.count(c) > 1}):
        raise ValueError(f"指标代码重复：{'、'.join(dupes)}")
    for ind in version.indicators:
        where = f"指标 {ind.code}（{ind.name}）"
        if not ind.basis.strip():
            raise ValueError(f"{where} 未注明依据（basis）")
        needs_denominator = ind.kind in ("ratio", "sum_ratio")
        if needs_denominator and ind.denominator is None:
            raise ValueError(f"{where} 为比率（{ind.kind}），须有分母（denominator）")
        if ind.numerator.from_ is None:
            if ind.numerator.check is None or ind.denominator is None:
                raise ValueError(f"{where} 的分子须给出表（from）或对分母各行的检查（check）")
        elif ind.numerator.check is not None:
            raise ValueError(f"{where} 的分子已有自己的行（from），检查（check）只用于分母的行")
        if ind.kind == "average" and not isinstance(ind.numerator.amount, Amount):
            raise ValueError(f"{where} 为平均值（average），分子须给出计量（amount）")
        if ind.kind == "sum_ratio" and not (
            ind.numerator.amount and ind.denominator and ind.denominator.amount
        ):
            raise ValueError(f"{where} 为合计比率（sum_ratio），分子和分母须给出计量（amount）")
        for label, part in (("分子", ind.numerator), ("分母", ind.denominator)):
            if part is not None:
                if part.from_ is None and label == "分母":
                    raise ValueError(f"{where} 的分母须给出表（from）")
                _check_part(part, f"{where} 的{label}")


def load_indicators(path: Path = INDICATORS_FILE) -> list[IndicatorVersion]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    versions = []
    for n, body in enumerate(raw.get("versions") or []):
        label = body.get("effective_from", n) if isinstance(body, dict) else n
        try:
            version = IndicatorVersion.model_validate(body)
            _check(version)
        except ValidationError as exc:
            reasons = "；".join(
                f"{'.'.join(str(p) for p in e['loc'])}：{e['msg']}" for e in exc.errors()
            )
            raise MonitoringIndicatorError(f"{path.name} 版本 {label}：{reasons}") from None
        except ValueError as exc:
            raise MonitoringIndicatorError(f"{path.name} 版本 {label}：{exc}") from None
        versions.append(version)
    if not versions:
        raise MonitoringIndicatorError(f"{path.name} 中没有指标版本")
    return sorted(versions, key=lambda v: v.effective_from)


@lru_cache(maxsize=1)
def indicator_versions() -> tuple[IndicatorVersion, ...]:
    return tuple(load_indicators())


def indicators_for(month_start: date) -> IndicatorVersion:
    """The version in force in the month (the earliest if the month precedes them all)."""
    versions = indicator_versions()
    found = versions[0]
    for version in versions:
        if version.effective_from <= month_start:
            found = version
    return found
