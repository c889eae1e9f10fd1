"""Typed model of a credit evaluation model (信用评价模型), validated when its YAML file loads.

A model follows the parts GB/T 45255-2025 requires of a public credit evaluation: principles,
content (dimensions -> indicators, veto items), grade notation and meaning, cycle, validation
and application. Every indicator names its source in the catalog (items, typed record
columns, a time window, an aggregate), its scoring and its legal or policy basis.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PydanticField

from xinyong.catalog.schema import SubjectKind

CODE = r"^[a-z][a-z0-9_]*$"
Aggregate = Literal["count", "sum", "exists", "latest"]
RecordStatus = Literal["active", "withdrawn", "repaired", "expired", "revoked", "removed"]
Severity = Literal["minor", "general", "serious"]
# Typed record columns an indicator may aggregate or read (records.models.Record).
SUM_COLUMNS = ("amount_yuan",)
LATEST_COLUMNS = ("severity",)
WINDOW_COLUMNS = ("decision_date", "valid_from")


class Window(BaseModel):
    """Which records count on the evaluation day: those decided within the last N years,
    months or days (``column`` in the window, never after the day), or those in force on it
    (inside their publicity period, as the credit check reads lists)."""

    model_config = ConfigDict(extra="forbid")

    column: Literal["decision_date", "valid_from"] = "decision_date"
    years: int | None = PydanticField(None, ge=1)
    months: int | None = PydanticField(None, ge=1)
    days: int | None = PydanticField(None, ge=1)
    in_force: bool = False

    @model_validator(mode="after")
    def _one_rule(self) -> Window:
        given = [v for v in (self.years, self.months, self.days) if v is not None]
        if len(given) + int(self.in_force) != 1:
            raise ValueError("时间窗须且只能给出 years、months、days、in_force 之一")
        return self


class Source(BaseModel):
    """The records an indicator reads: catalog items, filters on typed columns and on code
    fields, a window, and how they are aggregated per subject."""

    model_config = ConfigDict(extra="forbid")

    items: list[str] = PydanticField(min_length=1)
    status: list[RecordStatus] = ["active"]
    severity: list[Severity] | None = None
    fields: dict[str, list[str]] = {}  # field code -> accepted values
    window: Window
    aggregate: Aggregate = "count"
    value: str | None = None  # sum: a typed amount column; latest: a field code or column

    @model_validator(mode="after")
    def _value(self) -> Source:
        if self.aggregate == "sum" and self.value not in SUM_COLUMNS:
            raise ValueError(f"aggregate: sum 须以 value 指定金额列（{'、'.join(SUM_COLUMNS)}）")
        if self.aggregate == "latest" and not self.value:
            raise ValueError("aggregate: latest 须以 value 指定取值的字段或列")
        if self.aggregate in ("count", "exists") and self.value is not None:
            raise ValueError(f"aggregate: {self.aggregate} 不取值，不应给出 value")
        return self


class Interval(BaseModel):
    """Points for a value in [min, max): an open end is left out."""

    model_config = ConfigDict(extra="forbid")

    min: float | None = None
    max: float | None = None
    points: float


class Scoring(BaseModel):
    """Exactly one way to turn the aggregated value into points, then times ``weight``:
    ``intervals`` (value ranges), ``categories`` (the latest value's category) or
    ``per_unit`` (add or deduct so many points per record or yuan, at most ``cap`` in all)."""

    model_config = ConfigDict(extra="forbid")

    intervals: list[Interval] | None = None
    categories: dict[str, float] | None = None
    per_unit: float | None = None
    cap: float | None = None
    weight: float = PydanticField(1.0, gt=0)

    @model_validator(mode="after")
    def _one_way(self) -> Scoring:
        ways = [self.intervals, self.categories, self.per_unit]
        if sum(w is not None for w in ways) != 1:
            raise ValueError("计分方式须且只能给出 intervals、categories、per_unit 之一")
        if self.cap is not None and self.per_unit is None:
            raise ValueError("cap 只能与 per_unit 一起使用")
        if self.cap is not None and self.per_unit is not None and self.cap * self.per_unit < 0:
            raise ValueError("cap 与 per_unit 的正负应一致（加分封顶或扣分封底）")
        return self


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = PydanticField(pattern=CODE)
    name: str
    source: Source
    scoring: Scoring
    basis: str  # legal or policy basis, required
    description: str | None = None


class Dimension(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = PydanticField(pattern=CODE)
    name: str
    description: str | None = None
    indicators: list[Indicator] = PydanticField(min_length=1)


class Veto(BaseModel):
    """One-vote veto (一票否决): any record the source selects sets the grade directly."""

    model_config = ConfigDict(extra="forbid")

    code: str = PydanticField(pattern=CODE)
    name: str
    source: Source
    grade: str
    basis: str


class Band(BaseModel):
    """A grade: scores in [min, max); the best grade is listed first, an open end left out."""

    model_config = ConfigDict(extra="forbid")

    grade: str = PydanticField(pattern=r"^[A-Z][A-Z+\-]{0,3}$")
    min: float | None = None
    max: float | None = None
    meaning: str


class Score(BaseModel):
    """The score every subject starts from, and the range the total is kept in."""

    model_config = ConfigDict(extra="forbid")

    base: float
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Score:
        if not self.min <= self.base <= self.max:
            raise ValueError("须 min ≤ base ≤ max")
        return self


class Cycle(BaseModel):
    """How often the whole population is graded; every model is also re-graded at once for a
    subject after a change that can move its grade."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["daily", "monthly", "quarterly", "yearly"]
    description: str


class Validation(BaseModel):
    """What the validation report checks the grades against: subjects entering these items
    (e.g. the serious dishonesty list) within ``horizon_months`` of the evaluation day."""

    model_config = ConfigDict(extra="forbid")

    outcome_items: list[str] = PydanticField(min_length=1)
    outcome_severity: dict[str, list[Severity]] = {}  # item -> severities that count
    horizon_months: int = PydanticField(12, ge=1)
    description: str


class EvaluationModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = PydanticField(pattern=CODE)
    name: str
    version: str
    standard: str | None = None
    practice: str | None = None  # the city practice a model follows, and where it is reported
    domain: str | None = PydanticField(None, pattern=CODE)  # graded supervision domain
    description: str
    subject_kinds: list[SubjectKind] = PydanticField(min_length=1)
    effective_from: date
    effective_to: date | None = None
    cycle: Cycle
    grades_public: bool
    principles: list[str] = PydanticField(min_length=1)
    score: Score
    dimensions: list[Dimension] = PydanticField(min_length=1)
    vetoes: list[Veto] = []
    grades: list[Band] = PydanticField(min_length=2)
    validation: Validation
    application: str

    @property
    def indicators(self) -> list[tuple[Dimension, Indicator]]:
        return [(d, i) for d in self.dimensions for i in d.indicators]

    @property
    def grade_names(self) -> list[str]:
        return [b.grade for b in self.grades]

    def band(self, grade: str) -> Band:
        for band in self.grades:
            if band.grade == grade:
                return band
        raise KeyError(grade)

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)
