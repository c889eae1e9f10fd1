"""Placeholders: the values that mean "nothing here" ("N/A", "无", "-", ...), one rule for
every field of every item (``rules/placeholders.yaml``), validated when the catalog loads."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator


class Placeholders(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

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
        """The values as compared: upper case (a cell is trimmed and upper-cased first)."""
        return frozenset(v.upper() for v in self.values)

    def means_empty(self, text: str | None) -> bool:
        """The plain rule (the reference for the vectorised one in ``ingest.raw``)."""
        return text is not None and text.strip().upper() in self.keys


def load_placeholders(path: Path) -> Placeholders:
    from xinyong.catalog.registry import CatalogError

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Placeholders.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"{path.name}: 空缺占位值定义错误：{exc}") from exc
