"""Data sharing feeds: a department's system pulls the changes of a catalog item since its
cursor (new record versions, and status changes such as withdrawals and repairs), page by
page, and keeps its own copy without reading everything again.

A cursor is ``v<record id>.s<change id>``: the last new version and the last status change
already passed on. Records of restricted items follow the item's sharing rule; natural
persons' ID numbers stay masked (a feed states no purpose).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import Catalog
from xinyong.permissions import Audience, Principal, authorize
from xinyong.privacy.ids import get_protector
from xinyong.records.changes import RecordChange
from xinyong.records.models import Record
from xinyong.records.views import present_record, readable_items, sharing_condition

CURSOR = re.compile(r"^v(\d{1,18})\.s(\d{1,18})$")
START = "v0.s0"


class FeedError(ValueError):
    """A feed request that cannot be served; the message is in Chinese."""


@dataclass(frozen=True)
class Cursor:
    version: int
    change: int

    def __str__(self) -> str:
        return f"v{self.version}.s{self.change}"


def parse_cursor(text: str | None) -> Cursor:
    found = CURSOR.match(text or START)
    if found is None:
        raise FeedError(f"游标“{text}”格式无效，应为上次返回的 next_cursor（如 {START}）")
    return Cursor(int(found.group(1)), int(found.group(2)))


def _shown(record: Record, catalog: Catalog) -> dict[str, Any]:
    shown = present_record(record, catalog, Audience.public, get_protector())
    shown.update(record_key=record.record_key, version=record.version, status=record.status)
    return shown


def pull(
    session: Session,
    principal: Principal,
    catalog: Catalog,
    item: str,
    since: str | None,
    limit: int,
) -> dict[str, Any]:
    """The item's changes after ``since``, oldest first, at most ``limit`` of each kind."""
    authorize(principal, "feed.read")
    catalog.item(item)  # CatalogError for an unknown item
    if item not in readable_items(catalog, principal):
        raise FeedError(f"无权订阅目录项“{item}”（有条件共享，共享规则不含本部门）")
    cursor = parse_cursor(since)
    shared = sharing_condition(catalog, principal)
    versions = (
        session.execute(
            select(Record)
            .where(Record.item == item, Record.id > cursor.version, shared)
            .order_by(Record.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    changes = session.execute(
        select(RecordChange, Record)
        .join(Record, Record.id == RecordChange.record_id)
        .where(RecordChange.item == item, RecordChange.id > cursor.change, shared)
        .order_by(RecordChange.id)
        .limit(limit)
    ).all()
    entries = [{"change": "version", "at": r.recorded_at, **_shown(r, catalog)} for r in versions]
    entries += [
        {"change": change.status, "at": change.at, **_shown(record, catalog)}
        for change, record in changes
    ]
    entries.sort(key=lambda e: e["at"])
    following = Cursor(
        versions[-1].id if versions else cursor.version,
        changes[-1][0].id if changes else cursor.change,
    )
    more = len(versions) == limit or len(changes) == limit
    return {"item": item, "entries": entries, "next_cursor": str(following), "more": more}
