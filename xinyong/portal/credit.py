"""What the public credit page says first: a verdict (on a serious list, abnormal operation,
dishonest judgment debtor, disputed, or none of these), the national sections with a count
each (zero included), and each item's records newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xinyong.catalog.registry import Catalog

PER_PAGE = 10
# Items whose public records are the verdict, worst first: (item, level, what it means).
STATUS_ITEMS = (
    ("black_list", "danger", "已被列入严重失信主体名单"),
    ("dishonest_judgment_debtor", "danger", "为失信被执行人"),
    ("abnormal_operation", "warning", "已被列入经营异常名录"),
    ("red_list", "good", "已被列入守信激励名单"),
)
# Shown apart from the sections (their own tables above them).
TABLE_ITEMS = ("shareholder", "registration_change")


@dataclass
class Status:
    level: str  # danger, warning, good, note, clear
    text: str
    item: str | None = None


def credit_status(detail: dict[str, Any], grades: list[dict[str, Any]]) -> list[Status]:
    """The verdict lines of a subject's public page, worst first; one "clear" line when it is
    on no list and nothing about it is disputed."""
    counts: dict[str, int] = detail.get("counts", {})
    shown = [
        Status(level, f"该主体{text}（{counts[item]}条，在公示期内）", item)
        for item, level, text in STATUS_ITEMS
        if counts.get(item)
    ]
    disputed = sum(1 for r in detail.get("records", []) if r.get("disputed"))
    disputed += sum(1 for g in grades if g.get("disputed"))
    if disputed:
        shown.append(Status("note", f"有{disputed}项信息正在异议处理中，以处理结果为准"))
    if not any(s.level in ("danger", "warning") for s in shown):
        clear = "未发现严重失信主体名单、失信被执行人、经营异常名录信息"
        shown.insert(0, Status("clear", clear))
    return shown


def sections(
    detail: dict[str, Any], catalog: Catalog, chosen_item: str | None, page: int
) -> list[dict[str, Any]]:
    """The national catalog's categories in their order, each with its public items, every item
    with its count (zero included) and the page of its records to show (newest first)."""
    counts: dict[str, int] = detail.get("counts", {})
    by_item: dict[str, list[dict[str, Any]]] = {}
    for record in detail.get("records", []):
        by_item.setdefault(record["item"], []).append(record)
    shown = []
    for category in sorted(catalog.categories.values(), key=lambda c: c.number):
        items: list[dict[str, Any]] = []
        for code, n in counts.items():
            item = catalog.items[code]
            if item.category != category.code or code in TABLE_ITEMS:
                continue
            records = by_item.get(code, [])  # newest first (records.views.subject_records)
            pages = max(1, -(-len(records) // PER_PAGE))
            at = min(max(page, 1), pages) if code == chosen_item else 1
            items.append(
                {
                    "code": code,
                    "name": item.name,
                    "count": n,
                    "records": records[(at - 1) * PER_PAGE : at * PER_PAGE],
                    "page": at,
                    "pages": pages,
                }
            )
        if items:
            shown.append(
                {
                    "code": category.code,
                    "name": category.name,
                    "count": sum(i["count"] for i in items),
                    "entries": items,
                }
            )
    return shown
