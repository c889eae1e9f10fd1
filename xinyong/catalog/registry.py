"""Load and validate the catalog: every YAML file is checked when the platform starts.

A broken file stops start-up with a ``CatalogError`` naming the file and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from xinyong.catalog.placeholders import Placeholders, load_placeholders
from xinyong.catalog.safeguards import NeverCollectRules, load_never_collect
from xinyong.catalog.schema import CatalogItem, FieldType

PACKAGE_DIR = Path(__file__).parent
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogError(Exception):
    """A catalog file is broken; the message names the file and the problem (in Chinese)."""


class CodeValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str
    aliases: list[str] = []


class CodeList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    label: str
    values: list[CodeValue]
    open_prefix: str | None = None  # e.g. "其他-" admits "其他-具体类型"

    def canonical(self, raw: str) -> str | None:
        """The list's value for ``raw`` (an alias maps to its value); None if not in the list."""
        for item in self.values:
            if raw == item.value or raw in item.aliases:
                return item.value
        if (
            self.open_prefix
            and raw.startswith(self.open_prefix)
            and len(raw) > len(self.open_prefix)
        ):
            return raw
        return None


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    number: int
    name: str


@dataclass
class Catalog:
    items: dict[str, CatalogItem]
    code_lists: dict[str, CodeList]
    categories: dict[str, Category]
    never_collect: NeverCollectRules
    placeholders: Placeholders = field(default_factory=Placeholders)

    def item(self, code: str) -> CatalogItem:
        try:
            return self.items[code]
        except KeyError:
            known = "、".join(sorted(self.items))
            raise CatalogError(f"目录项“{code}”不存在。现有目录项：{known}") from None

    @property
    def public_items(self) -> list[str]:
        return [code for code, item in self.items.items() if item.is_public]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: YAML 格式错误：{exc}") from exc


_ERROR_TEXT = {
    "missing": "缺少必填项",
    "extra_forbidden": "不是允许的属性",
    "enum": "取值无效，应为 {expected}",
    "literal_error": "取值无效，应为 {expected}",
    "string_pattern_mismatch": "格式不符（应匹配 {pattern}）",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
}


def _where(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """Name the place of an error: a field by its code rather than by its position."""
    if len(loc) >= 2 and loc[0] == "fields" and isinstance(loc[1], int):
        fields = raw.get("fields") or []
        entry = fields[loc[1]] if loc[1] < len(fields) else {}
        code = entry.get("code", f"第{loc[1] + 1}个") if isinstance(entry, dict) else loc[1]
        rest = ".".join(str(p) for p in loc[2:])
        return f"字段 {code}" + (f" 的 {rest}" if rest else "")
    return "目录项属性 " + ".".join(str(p) for p in loc)


def _describe(exc: ValidationError, raw: dict[str, Any] | None = None) -> str:
    parts = []
    for err in exc.errors():
        template = _ERROR_TEXT.get(err["type"])
        reason = template.format(**(err.get("ctx") or {})) if template else err["msg"]
        value = err.get("input")
        shown = f"“{value}”" if isinstance(value, str | int | float) else ""
        parts.append(f"{_where(tuple(err['loc']), raw or {})} {shown}{reason}".replace("  ", " "))
    return "；".join(parts)


def _expand_fragments(path: Path, raw_fields: list[Any], fragments: dict[str, Any]) -> list[Any]:
    expanded: list[Any] = []
    for entry in raw_fields:
        if isinstance(entry, dict) and "include" in entry:
            name = entry["include"]
            if name not in fragments:
                raise CatalogError(f"{path.name}: 引用了不存在的字段片段“{name}”")
            text = yaml.safe_dump(fragments[name], allow_unicode=True)
            expanded.extend(yaml.safe_load(text.replace("{P}", str(entry.get("prefix", "")))))
        else:
            expanded.append(entry)
    return expanded


def _check_references(path: Path, item: CatalogItem, code_lists: dict[str, CodeList]) -> None:
    codes = item.field_codes
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise CatalogError(f"{path.name}: 字段代码重复：{'、'.join(dupes)}")
    known = set(codes) | {"subject"}
    referenced: list[tuple[str, str]] = [("natural_key", k) for k in item.natural_key]
    referenced += [("header_aliases", code) for code in item.header_aliases]
    referenced += [(f"subject.{k}", v) for k, v in item.subject.model_dump().items() if v]
    referenced += [(f"columns.{k}", v) for k, v in item.columns.model_dump().items() if v]
    for f in item.fields:
        for cond in (f.when, f.checked_when):
            if cond is not None:
                referenced.append((f"{f.code}.条件", cond.field))
        if f.currency_field:
            referenced.append((f"{f.code}.currency_field", f.currency_field))
        if f.code_list and f.code_list not in code_lists:
            raise CatalogError(f"{path.name}: 字段 {f.code} 引用了不存在的代码集“{f.code_list}”")
    for where, code in referenced:
        if code not in known:
            raise CatalogError(f"{path.name}: {where} 引用了不存在的字段“{code}”")


def _check_types(path: Path, item: CatalogItem) -> None:
    expected = {
        "uscc": {FieldType.uscc, FieldType.subject_code},
        "resident_id": {FieldType.resident_id, FieldType.subject_code},
    }
    for key, types in expected.items():
        code = getattr(item.subject, key)
        if code and item.field(code).type not in types:
            raise CatalogError(f"{path.name}: subject.{key} 指向的字段 {code} 类型不符")


def _load_item(
    path: Path,
    fragments: dict[str, Any],
    code_lists: dict[str, CodeList],
    categories: dict[str, Category],
    rules: NeverCollectRules,
) -> CatalogItem:
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise CatalogError(f"{path.name}: 目录项文件应为一个映射（键: 值）")
    raw["fields"] = _expand_fragments(path, raw.get("fields") or [], fragments)
    try:
        item = CatalogItem.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(f"{path.name}: {_describe(exc, raw)}") from exc
    if item.code != path.stem:
        raise CatalogError(f"{path.name}: 目录项代码“{item.code}”应与文件名一致")
    if item.category not in categories:
        raise CatalogError(f"{path.name}: 目录分类“{item.category}”不存在")
    _check_references(path, item, code_lists)
    _check_types(path, item)
    problem = rules.violation(item)
    if problem:
        raise CatalogError(f"{path.name}: {problem}")
    return item


def _load_code_lists(path: Path) -> dict[str, CodeList]:
    raw = _read_yaml(path) or {}
    try:
        return {name: CodeList.model_validate({"name": name, **body}) for name, body in raw.items()}
    except ValidationError as exc:
        raise CatalogError(f"{path.name}: {_describe(exc)}") from exc


def _load_categories(path: Path) -> dict[str, Category]:
    raw = _read_yaml(path) or []
    try:
        return {c["code"]: Category.model_validate(c) for c in raw}
    except (ValidationError, KeyError, TypeError) as exc:
        raise CatalogError(f"{path.name}: 分类定义错误：{exc}") from exc


def load_catalog(base: Path | None = None, items_dir: Path | None = None) -> Catalog:
    """Load the catalog from ``base`` (the package's own by default)."""
    base = base or PACKAGE_DIR
    items_dir = items_dir or base / "items"
    code_lists = _load_code_lists(base / "codelists.yaml")
    categories = _load_categories(base / "categories.yaml")
    rules = load_never_collect(base / "rules" / "never_collect.yaml", date.today())
    placeholders = load_placeholders(base / "rules" / "placeholders.yaml")
    fragments = {p.stem: _read_yaml(p) for p in sorted((base / "fragments").glob("*.yaml"))}
    items: dict[str, CatalogItem] = {}
    for path in sorted(items_dir.glob("*.yaml")):
        item = _load_item(path, fragments, code_lists, categories, rules)
        items[item.code] = item
    if not items:
        raise CatalogError(f"{items_dir}: 目录中没有任何目录项文件")
    return Catalog(
        items=items,
        code_lists=code_lists,
        categories=categories,
        never_collect=rules,
        placeholders=placeholders,
    )


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    return load_catalog()
