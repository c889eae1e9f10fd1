"""Reading records for an audience: the public view filters and masks, staff see everything."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import Catalog
from xinyong.permissions.policy import MARKET_CONSUMERS, Audience, Principal
from xinyong.privacy.ids import IdProtector, is_encrypted
from xinyong.records.models import Record
from xinyong.records.public import public_condition
from xinyong.subjects.models import Subject


def readable_items(catalog: Catalog, viewer: Principal | None) -> list[str]:
    """Items whose records ``viewer`` may read in the sharing view, in whole or in part."""
    return [code for code in catalog.items if _sharing(catalog, code, viewer) is not False]


def _sharing(catalog: Catalog, code: str, viewer: Principal | None) -> bool | int | None:
    """For one item: True (all its records), False (none), or a department id (the records
    that department is the source of); None stands for an operator (everything)."""
    if viewer is not None and viewer.items is not None and code not in viewer.items:
        return False  # outside what the consumer's agreement names
    sharing = catalog.item(code).sharing
    if sharing is None or viewer is None:
        return True
    if viewer.consumer_kind in MARKET_CONSUMERS:
        return False  # banks and credit agencies never read restricted items
    if "auditor" in sharing.readers and viewer.role == "auditor":
        return True
    if "credit_office" in sharing.readers and viewer.credit_office:
        return True
    if "source_department" in sharing.readers and viewer.department_id is not None:
        return viewer.department_id
    return False


def sharing_condition(catalog: Catalog, viewer: Principal | None) -> ColumnElement[bool]:
    """The records of restricted items ``viewer`` may read, by each item's sharing rule (the
    catalog's ``sharing``); unrestricted items pass whole. A bank or credit agency reads no
    natural person's records here (only through the person's authorisation)."""
    shared = _item_condition(catalog, viewer)
    if viewer is not None and viewer.consumer_kind in MARKET_CONSUMERS:
        persons = select(Subject.id).where(Subject.kind == "natural_person")
        return and_(shared, Record.subject_id.not_in(persons))
    return shared


def _item_condition(catalog: Catalog, viewer: Principal | None) -> ColumnElement[bool]:
    hidden: list[str] = []
    own: list[str] = []
    for code in catalog.items:
        rule = _sharing(catalog, code, viewer)
        if rule is False:
            hidden.append(code)
        elif rule is not True:
            own.append(code)
    conditions: list[ColumnElement[bool]] = [Record.item.not_in([*hidden, *own])]
    if own and viewer is not None:
        conditions.append(and_(Record.item.in_(own), Record.department_id == viewer.department_id))
    return or_(*conditions) if hidden or own else Record.is_current.is_(True)


def visible_condition(
    catalog: Catalog, audience: Audience, today: date, viewer: Principal | None = None
) -> ColumnElement[bool]:
    if audience is Audience.public:
        return public_condition(catalog, today)
    return and_(Record.is_current.is_(True), sharing_condition(catalog, viewer))


def subject_records(
    session: Session,
    subject_id: int,
    catalog: Catalog,
    audience: Audience,
    today: date,
    viewer: Principal | None = None,
) -> list[Record]:
    visible = visible_condition(catalog, audience, today, viewer)
    return list(
        session.execute(
            select(Record)
            .where(Record.subject_id == subject_id, visible)
            .order_by(Record.decision_date.desc().nulls_last(), Record.id.desc())
        ).scalars()
    )


def count_by_item(
    session: Session,
    subject_id: int,
    catalog: Catalog,
    audience: Audience,
    today: date,
    viewer: Principal | None = None,
) -> dict[str, int]:
    visible = visible_condition(catalog, audience, today, viewer)
    rows = session.execute(
        select(Record.item, func.count())
        .where(Record.subject_id == subject_id, visible)
        .group_by(Record.item)
    ).all()
    found = {item: int(n) for item, n in rows}
    visible_items = (
        catalog.public_items if audience is Audience.public else readable_items(catalog, viewer)
    )
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
