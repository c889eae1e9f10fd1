"""What may never be collected (rules.md), applied to every catalog field when it is loaded.

The rule table is dated data in rules/never_collect.yaml; this module only applies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from xinyong.catalog.schema import CatalogItem, Field


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    terms: tuple[str, ...]
    treatment: str  # "never", "consent" or "not_credit"

    def matches(self, text: str) -> bool:
        """Chinese terms match anywhere; Latin terms match whole words of codes and text."""
        lowered = text.lower()
        words = set(re.split(r"[^a-z0-9]+", lowered))
        return any(
            (term.lower() in words) if term.isascii() else (term in text) for term in self.terms
        )


@dataclass(frozen=True)
class NeverCollectRules:
    basis: str
    topics: tuple[Topic, ...]

    def _field_problem(self, field: Field) -> str | None:
        text = " ".join([field.code, field.header, *field.aliases, field.description or ""])
        for topic in self.topics:
            if not topic.matches(text):
                continue
            if topic.treatment == "never":
                return (
                    f"字段 {field.code}（{field.header}）涉及“{topic.label}”，"
                    f"属于禁止采集的信息（{self.basis}）"
                )
            if topic.treatment == "consent" and field.consent != "written":
                return (
                    f"字段 {field.code}（{field.header}）涉及“{topic.label}”，须经本人书面同意"
                    f"方可采集，请注明 consent: written（{self.basis}）"
                )
            if topic.treatment == "not_credit" and not field.law_basis:
                return (
                    f"字段 {field.code}（{field.header}）涉及“{topic.label}”，除法律另有规定外"
                    f"不得作为信用信息，请注明 law_basis（{self.basis}）"
                )
        return None

    def violation(self, item: CatalogItem) -> str | None:
        """The first rule the item breaks, as a Chinese message; None if it breaks none."""
        for topic in self.topics:
            if topic.treatment != "consent" and topic.matches(item.name):
                return f"目录项“{item.name}”涉及“{topic.label}”，不得纳入信用信息目录"
        for field in item.fields:
            problem = self._field_problem(field)
            if problem:
                return problem
        return None


def _in_force(entry: dict[str, Any], day: date) -> bool:
    start = entry.get("effective_from")
    end = entry.get("effective_to")
    return (start is None or start <= day) and (end is None or day <= end)


def load_never_collect(path: Path, day: date) -> NeverCollectRules:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    versions = [v for v in raw["versions"] if _in_force(v, day)]
    if not versions:
        raise ValueError(f"{path.name}: 没有在 {day} 生效的禁止采集规则")
    current = versions[-1]
    topics = tuple(
        Topic(t["name"], t["label"], tuple(t["terms"]), t["treatment"]) for t in current["topics"]
    )
    return NeverCollectRules(basis=current["basis"], topics=topics)
