"""Writing records as versions, and reading what a record said on a given date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalog.schema import CatalogItem
from xinyong.clock import utcnow
from xinyong.privacy.ids import IdProtector, get_protector
from xinyong.records.derive import canonical_json, content_hash, derive_columns, record_key
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

Outcome = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True)
class SaveResult:
    outcome: Outcome
    record: Record


def subject_key(subject: Subject) -> str:
    return subject_key_of(subject.uscc, subject.person_hash)


def subject_key_of(uscc: str | None, person_hash: str | None) -> str:
    return uscc or f"person:{person_hash}"


def protect_values(
    item: CatalogItem, values: dict[str, Any], protector: IdProtector
) -> dict[str, Any]:
    """Encrypt personal ID numbers before they are stored."""
    protected = dict(values)
    for code in item.protected_fields:
        if protected.get(code):
            protected[code] = protector.encrypt(str(protected[code]))
    return protected


def protect_original_row(
    item: CatalogItem, row: dict[str, Any] | None, protector: IdProtector
) -> dict[str, Any] | None:
    """The original row, encrypted as a whole when the item can carry ID numbers."""
    if row is None or not item.protected_fields:
        return row
    return {"encrypted": protector.encrypt(canonical_json(row))}


def record_row(
    item: CatalogItem,
    subject_id: int,
    subject_identity: str,
    values: dict[str, Any],
    *,
    department_id: int | None,
    batch_id: int | None = None,
    original_row: dict[str, Any] | None = None,
    published_at: datetime | None = None,
    now: datetime | None = None,
    protector: IdProtector | None = None,
) -> dict[str, Any]:
    """Column values of a new first version of a record (for bulk inserts)."""
    protector = protector or get_protector()
    now = now or utcnow()
    columns = derive_columns(item, values)
    return dict(
        record_key=record_key(item, subject_identity, values),
        version=1,
        is_current=True,
        item=item.code,
        subject_id=subject_id,
        department_id=department_id,
        decision_date=columns.decision_date,
        valid_from=columns.valid_from,
        valid_to=columns.valid_to,
        publicity_end=columns.publicity_end,
        status=columns.status,
        severity=columns.severity,
        amount_yuan=columns.amount_yuan,
        fields=protect_values(item, values, protector),
        content_hash=content_hash(values),
        published_at=published_at,
        batch_id=batch_id,
        received_at=now,
        original_row=protect_original_row(item, original_row, protector),
        recorded_at=now,
        superseded_at=None,
    )


def current_version(session: Session, key: str) -> Record | None:
    return session.execute(
        select(Record).where(Record.record_key == key, Record.is_current.is_(True))
    ).scalar_one_or_none()


def save_record(
    session: Session,
    item: CatalogItem,
    subject: Subject,
    values: dict[str, Any],
    *,
    department_id: int | None,
    batch_id: int | None = None,
    original_row: dict[str, Any] | None = None,
    published_at: datetime | None = None,
) -> SaveResult:
    """Insert a record, or a new version of it when its content changed."""
    now = utcnow()
    record = Record(
        **record_row(
            item,
            subject.id,
            subject_key(subject),
            values,
            department_id=department_id,
            batch_id=batch_id,
            original_row=original_row,
            published_at=published_at,
            now=now,
        )
    )
    previous = current_version(session, record.record_key)
    if previous is not None and previous.content_hash == record.content_hash:
        return SaveResult("unchanged", previous)
    if previous is not None:
        previous.is_current = False
        previous.superseded_at = now
        record.version = previous.version + 1
        record.published_at = record.published_at or previous.published_at
        session.flush()
    session.add(record)
    session.flush()
    return SaveResult("updated" if previous is not None else "new", record)


def versions(session: Session, key: str) -> list[Record]:
    return list(
        session.execute(
            select(Record).where(Record.record_key == key).order_by(Record.version)
        ).scalars()
    )


def record_as_of(session: Session, key: str, moment: datetime) -> Record | None:
    """The version of a record the platform held at ``moment`` (None if it did not yet exist)."""
    return session.execute(
        select(Record).where(
            Record.record_key == key,
            Record.recorded_at <= moment,
            (Record.superseded_at.is_(None)) | (Record.superseded_at > moment),
        )
    ).scalar_one_or_none()
