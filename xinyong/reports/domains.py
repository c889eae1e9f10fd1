"""The 信用代证 domains as dated data (``domains.yaml``), validated at load.

A domain names the catalog items it covers and the departments whose records count for it
(by a part of the department's name, since every city names its bureaus after the same
national ministries: 住房和城乡建设局, 市住房和城乡建设局). Every domain cites its basis and the
day it applies from; a domain, item or status the platform does not know stops the load
with a ``DomainError`` naming it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from xinyong.catalog.registry import get_catalog
from xinyong.records.models import RECORD_STATUSES

DOMAINS_FILE = Path(__file__).parent / "domains.yaml"


class DomainError(Exception):
    """The domain data is inconsistent, or a request names an unknown domain (Chinese)."""


class Domain(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    departments: list[str] = Field(min_length=1)
    items: list[str] = Field(min_length=1)
    since: date
    basis: str = Field(min_length=4)
    until: date | None = None

    def applies_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)

    def covers_department(self, department_name: str | None) -> bool:
        return bool(department_name) and any(d in str(department_name) for d in self.departments)


class NotCollected(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    basis: str
    reason: str


class DomainBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    basis_minimum: str
    minimum_items: list[str]
    not_collected: list[NotCollected]
    always_items: list[str] = []
    max_years: int = Field(ge=1, le=10)
    statuses: dict[str, str]
    domains: list[Domain] = Field(min_length=1)

    @field_validator("statuses")
    @classmethod
    def _known_statuses(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(RECORD_STATUSES))
        if unknown:
            raise ValueError(f"未知的记录状态：{'、'.join(unknown)}")
        return value

    def domain(self, code: str) -> Domain:
        for domain in self.domains:
            if domain.code == code:
                return domain
        known = "、".join(f"{d.code}（{d.name}）" for d in self.domains)
        raise DomainError(f"领域（domains）取值“{code}”不是信用代证领域，可选：{known}")

    def open_on(self, day: date) -> list[Domain]:
        return [d for d in self.domains if d.applies_on(day)]


def load_domains(path: Path = DOMAINS_FILE) -> DomainBook:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        book = DomainBook.model_validate(raw)
    except ValidationError as exc:
        raise DomainError(f"{path.name}：{exc}") from exc
    catalog = get_catalog()
    codes = [d.code for d in book.domains]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise DomainError(f"{path.name}：领域代码重复：{'、'.join(dupes)}")
    for where, items in [
        ("minimum_items", book.minimum_items),
        ("always_items", book.always_items),
    ] + [(f"领域 {d.code}", d.items) for d in book.domains]:
        unknown = [i for i in items if i not in catalog.items]
        if unknown:
            raise DomainError(
                f"{path.name}：{where} 引用了目录中没有的信息项：{'、'.join(unknown)}"
            )
    return book


@lru_cache(maxsize=1)
def domain_book() -> DomainBook:
    return load_domains()
