"""Warning rules (``rules.yaml``) as dated versions, validated when they load.

A rule that does not hold together is refused with a ``WarningRuleError`` naming the version,
the rule and the reason: an unknown catalog item, a level outside 红/橙/黄/蓝, no basis, a
reason naming a value its kind does not give, a trend naming a department as recipient.
"""

from __future__ import annotations

import string
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xinyong.catalog.registry import get_catalog

RULES_FILE = Path(__file__).parent / "rules.yaml"
Level = Literal["红", "橙", "黄", "蓝"]
LEVELS: tuple[str, ...] = ("红", "橙", "黄", "蓝")  # most urgent first
Recipient = Literal["enterprise", "department", "credit_office"]
RECIPIENTS = {"enterprise": "企业（信用提醒）", "department": "监管部门", "credit_office": "信用办"}
FAMILIES = {"event": "事件预警", "trend": "趋势预警", "relation": "关联预警"}

_Strict = ConfigDict(extra="forbid")


class RecordWhen(BaseModel):
    model_config = _Strict
    kind: Literal["record"]
    items: list[str]
    severity: Literal["minor", "general", "serious"] | None = None


class LicenceWhen(BaseModel):
    model_config = _Strict
    kind: Literal["licence_expiring"]
    items: list[str]
    within_days: int = Field(ge=1, le=366)


class AnnualReportWhen(BaseModel):
    model_config = _Strict
    kind: Literal["annual_report_overdue"]
    items: list[str]
    due: str = Field(pattern=r"^\d{2}-\d{2}$")  # MM-DD of the following year
    subject_kinds: list[str]


class PublicityEndedWhen(BaseModel):
    model_config = _Strict
    kind: Literal["publicity_ended"]
    items: list[str]


class GradeDropWhen(BaseModel):
    model_config = _Strict
    kind: Literal["grade_drop"]
    steps: int = Field(1, ge=1)


class GroupSurgeWhen(BaseModel):
    model_config = _Strict
    kind: Literal["group_surge"]
    items: list[str]
    groups: list[Literal["industry", "district"]]
    baseline_months: int = Field(ge=3, le=36)
    sigmas: float = Field(gt=0)
    min_count: int = Field(ge=1)


class ControllerWhen(BaseModel):
    model_config = _Strict
    kind: Literal["controller_listed"]
    items: list[str]
    roles: list[Literal["actual_controller", "legal_representative"]]


When = Annotated[
    RecordWhen
    | LicenceWhen
    | AnnualReportWhen
    | PublicityEndedWhen
    | GradeDropWhen
    | GroupSurgeWhen
    | ControllerWhen,
    Field(discriminator="kind"),
]

# The values each kind's reason may name.
VALUES: dict[str, frozenset[str]] = {
    "record": frozenset({"subject", "decision_date", "department", "document", "item"}),
    "licence_expiring": frozenset({"subject", "document", "valid_to", "department"}),
    "annual_report_overdue": frozenset({"subject", "year", "due_date"}),
    "publicity_ended": frozenset({"subject", "document", "minimum_end"}),
    "grade_drop": frozenset({"subject", "model", "old_grade", "grade", "valid_from"}),
    "group_surge": frozenset({"group", "month", "count", "baseline_months", "mean", "sd"}),
    "controller_listed": frozenset({"subject", "role", "person", "decision_date", "item", "path"}),
}
FAMILY_OF_KIND = {
    "record": "event",
    "licence_expiring": "event",
    "annual_report_overdue": "event",
    "publicity_ended": "event",
    "grade_drop": "trend",
    "group_surge": "trend",
    "controller_listed": "relation",
}


class Rule(BaseModel):
    model_config = _Strict
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    family: Literal["event", "trend", "relation"]
    level: Level
    when: When
    recipients: list[Recipient] = Field(min_length=1)
    reason: str
    basis: str

    @property
    def items(self) -> list[str]:
        return list(getattr(self.when, "items", []))


class RuleVersion(BaseModel):
    model_config = _Strict
    effective_from: date
    rules: list[Rule]

    def of_kind(self, *kinds: str) -> list[Rule]:
        return [r for r in self.rules if r.when.kind in kinds]

    def rule(self, code: str) -> Rule:
        return next(r for r in self.rules if r.code == code)


class WarningRuleError(ValueError):
    """The warning rules do not hold together; the message names the rule."""


def _check(version: RuleVersion) -> None:
    catalog = get_catalog()
    codes = [r.code for r in version.rules]
    if dupes := sorted({c for c in codes if codes.count(c) > 1}):
        raise ValueError(f"规则代码重复：{'、'.join(dupes)}")
    for rule in version.rules:
        where = f"规则 {rule.code}（{rule.name}）"
        if not rule.basis.strip():
            raise ValueError(f"{where} 未注明法律或政策依据（basis）")
        if FAMILY_OF_KIND[rule.when.kind] != rule.family:
            raise ValueError(
                f"{where}：{rule.when.kind} 属于{FAMILIES[FAMILY_OF_KIND[rule.when.kind]]}"
            )
        for item in rule.items:
            if item not in catalog.items:
                raise ValueError(f"{where} 引用了不存在的目录项“{item}”")
        named = {f for _, f, _, _ in string.Formatter().parse(rule.reason) if f}
        if unknown := sorted(named - VALUES[rule.when.kind]):
            raise ValueError(
                f"{where} 的提示文字引用了“{'、'.join(unknown)}”，可用的有："
                f"{'、'.join(sorted(VALUES[rule.when.kind]))}"
            )
        if rule.family == "trend" and "department" in rule.recipients:
            raise ValueError(f"{where}：趋势预警没有单一的来源部门，接收方不能是 department")


def load_rules(path: Path = RULES_FILE) -> list[RuleVersion]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    versions = []
    for n, body in enumerate(raw.get("versions") or []):
        label = body.get("effective_from", n) if isinstance(body, dict) else n
        try:
            version = RuleVersion.model_validate(body)
            _check(version)
        except ValidationError as exc:
            reasons = "；".join(
                f"{'.'.join(str(p) for p in e['loc'])}：{e['msg']}" for e in exc.errors()
            )
            raise WarningRuleError(f"{path.name} 版本 {label}：{reasons}") from None
        except ValueError as exc:
            raise WarningRuleError(f"{path.name} 版本 {label}：{exc}") from None
        versions.append(version)
    if not versions:
        raise WarningRuleError(f"{path.name} 中没有规则版本")
    return sorted(versions, key=lambda v: v.effective_from)


@lru_cache(maxsize=1)
def rule_versions() -> tuple[RuleVersion, ...]:
    return tuple(load_rules())


def rules_on(day: date) -> RuleVersion | None:
    """The version in force on ``day`` (None before the first)."""
    found = None
    for version in rule_versions():
        if version.effective_from <= day:
            found = version
    return found
