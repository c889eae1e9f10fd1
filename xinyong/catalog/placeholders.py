"""Placeholders: the values that mean "nothing here" ("N/A", "无", "-", ...), one rule for
every field of every item (``rules/placeholders.yaml``), validated when the catalog loads."""

from __future__ import annotations

import itertools
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

# What may stand around a placeholder in its cell: up to two of these on each side.
PADDING = (" ", "\t", "\u3000")
_SIDES = ("", *PADDING, *("".join(p) for p in itertools.product(PADDING, repeat=2)))


def _case_variants(value: str) -> set[str]:
    letters = [(c.upper(), c.lower()) if c.isascii() and c.isalpha() else (c,) for c in value]
    return {"".join(chars) for chars in itertools.product(*letters)}


class Placeholders(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    basis: str = ""
    values: tuple[str, ...] = ()

    @field_validator("values")
    @classmethod
    def _not_blank(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not value.strip() or value != value.strip():
                raise ValueError(f"占位值“{value}”不能为空白，也不能带首尾空格")
        return values

    @property
    def keys(self) -> frozenset[str]:
        """The values as compared: upper case."""
        return frozenset(v.upper() for v in self.values)

    def means_empty(self, text: str | None) -> bool:
        """The plain rule (the reference for the vectorised one in ``ingest.raw``): the cell
        is a placeholder in any letter case, with at most two spaces, tabs or full-width
        spaces before and after it."""
        if text is None:
            return False
        core = text.strip("".join(PADDING))
        start = text[: len(text) - len(text.lstrip("".join(PADDING)))]
        end = text[len(text.rstrip("".join(PADDING))) :]
        return len(start) <= 2 and len(end) <= 2 and core.upper() in self.keys

    @cached_property
    def spellings(self) -> list[str]:
        """Every cell ``means_empty`` accepts, spelled out: a whole column is then compared
        by one hash lookup per cell (no trimming or case folding of every cell)."""
        cores = set().union(*(_case_variants(v) for v in self.values)) if self.values else set()
        return sorted(f"{a}{core}{b}" for core in cores for a in _SIDES for b in _SIDES)


def load_placeholders(path: Path) -> Placeholders:
    from xinyong.catalog.registry import CatalogError

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Placeholders.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"{path.name}: 空缺占位值定义错误：{exc}") from exc
