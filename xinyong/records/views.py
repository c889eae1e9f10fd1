"""Reading records for an audience: the public view filters and masks, staff see everything."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import Catalog
from xinyong.privacy.ids import IdProtector, is_encrypted
from xinyong.records.models import Record
from xinyong.records.public import public_condition


class Audience(StrEnum):
    public = "public"  # anyone on the internet
    staff = "staff"  # authenticated government users and systems


def visible_condition(catalog: Catalog, audience: Audience, today: date) -> ColumnElement[bool]:
    if audience is Audience.public:
        return public_condition(catalog, today)
    return Record.is_current.is_(True)


def subject_records(
    session: Session, subject_id: int, catalog: Catalog, audience: Audience, today: date
) -> list[Record]:
    return list(
        session.execute(
            select(Record)
            .where(Record.subject_id == subject_id, visible_condition(catalog, audience, today))
            .order_by(Record.decision_date.desc().nulls_last(), Record.id.desc())
        ).scalars()
    )


def count_by_item(
    session: Session, subject_id: int, catalog: Catalog, audience: Audience, today: date
) -> dict[str, int]:
    rows = session.execute(
        select(Record.item, func.count())
        .where(Record.subject_id == subject_id, visible_condition(catalog, audience, today))
        .group_by(Record.item)
    ).all()
    found = {item: int(n) for item, n in rows}
    visible_items = catalog.public_items if audience is Audience.public else list(catalog.items)
    return {code: found.get(code, 0) for code in visible_items}


def _shown_value(value: Any, audience: Audience, protector: IdProtector) -> Any:
    if not is_encrypted(value):
        return value
    return protector.masked(value) if audience is Audience.public else protector.decrypt(value)


def present_record(
    record: Record,
    catalog: Catalog,
    audience: Audience,
    protector: IdProtector,
    disputed: bool = False,
) -> dict[str, Any]:
    item = catalog.item(record.item)
    fields = {
        code: _shown_value(value, audience, protector)
        for code, value in record.fields.items()
        if value not in (None, "", [])
    }
    shown: dict[str, Any] = {
        "id": record.id,
        "item": record.item,
        "item_name": item.name,
        "decision_date": record.decision_date,
        "valid_from": record.valid_from,
        "valid_to": record.valid_to,
        "publicity_until": record.publicity_end - timedelta(days=1)
        if record.publicity_end
        else None,
        "severity": record.severity,
        "amount_yuan": record.amount_yuan,
        "disputed": disputed,
        "fields": fields,
        "labels": {code: item.field(code).header for code in fields if code in item.field_codes},
    }
    if audience is Audience.staff:
        shown.update(
            status=record.status,
            version=record.version,
            published_at=record.published_at,
            batch_id=record.batch_id,
        )
    return shown
