"""Matching a file's column headers to catalog fields: Chinese headers, code names, aliases and
the c. 2016 legacy layouts, in any order."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from xinyong.catalog.schema import CatalogItem

# Legacy columns that carry no catalog field: reported as ignored, never as unknown.
IGNORED_LEGACY = {"DFBM": "地方编码", "SJC": "时间戳", "地方编码": "地方编码", "时间戳": "时间戳"}
# Legacy columns that are a second part of a field (joined with "；").
EXTRA_PARTS = {"CF_CFLB2": "CF_CFLB", "处罚类别2": "CF_CFLB"}


def header_key(text: str) -> str:
    """Normalised header: full-width to half-width, no spaces, upper case."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).upper()


@dataclass
class HeaderMap:
    columns: dict[str, list[str]] = field(default_factory=dict)  # field code -> input columns
    unknown: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)

    def notes(self, item: CatalogItem) -> list[str]:
        notes = []
        if self.unknown:
            notes.append(f"以下列不属于目录项“{item.name}”，已忽略：{'、'.join(self.unknown)}")
        if self.ignored:
            notes.append(f"以下旧版字段无对应目录字段，已忽略：{'、'.join(self.ignored)}")
        return notes


def _lookup(item: CatalogItem) -> dict[str, str]:
    table: dict[str, str] = {}
    for f in item.fields:
        for name in (f.code, f.header, *f.aliases):
            table.setdefault(header_key(name), f.code)
    for code, names in item.header_aliases.items():
        for name in names:
            table.setdefault(header_key(name), code)
    for legacy, code in EXTRA_PARTS.items():
        if code in item.field_codes:
            table.setdefault(header_key(legacy), code)
    return table


def map_headers(item: CatalogItem, headers: list[str]) -> HeaderMap:
    lookup = _lookup(item)
    result = HeaderMap()
    for header in headers:
        key = header_key(header)
        code = lookup.get(key)
        if code is not None:
            result.columns.setdefault(code, []).append(header)
        elif key in IGNORED_LEGACY or header in IGNORED_LEGACY:
            result.ignored.append(header)
        elif header:
            result.unknown.append(header)
    result.missing_required = [
        f.code for f in item.fields if f.required == "R" and f.code not in result.columns
    ]
    return result
