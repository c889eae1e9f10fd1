"""Current public entries of a list, straight from the records: an entry past its validity
drops out without anyone touching it (its publicity ends with its validity)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import Catalog
from xinyong.objections.service import disputed_keys
from xinyong.records.models import Record
from xinyong.records.views import public_condition
from xinyong.subjects.models import Subject
from xinyong.subjects.service import subject_ref
from xinyong.subjects.views import Audience, shown_code

LIST_TYPES_FILE = Path(__file__).parent / "list_types.yaml"


class ListError(LookupError):
    pass


@dataclass(frozen=True)
class ListType:
    code: str
    name: str
    kind: str
    item: str
    legal_basis: str
    recognition_standard: str
    removal_conditions: str
    validity: str
    measures: tuple[str, ...]


@lru_cache(maxsize=1)
def list_types() -> dict[str, ListType]:
    raw = yaml.safe_load(LIST_TYPES_FILE.read_text(encoding="utf-8"))
    return {
        code: ListType(code=code, measures=tuple(body.pop("measures", [])), **body)
        for code, body in raw.items()
    }


def list_type(code: str) -> ListType:
    try:
        return list_types()[code]
    except KeyError:
        raise ListError(f"名单类型“{code}”不存在，可选：{'、'.join(list_types())}") from None


def current_entries(
    session: Session, catalog: Catalog, code: str, today: date, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    kind = list_type(code)
    condition = public_condition(catalog, today) & (Record.item == kind.item)
    total = session.execute(select(func.count()).select_from(Record).where(condition)).scalar_one()
    rows = session.execute(
        select(Record, Subject)
        .join(Subject, Subject.id == Record.subject_id)
        .where(condition)
        .order_by(Record.valid_from.desc().nulls_last(), Record.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    disputed = disputed_keys(session)
    entries = [
        {
            "code": shown_code(subject, Audience.public),
            "ref": subject_ref(subject),
            "name": subject.name,
            "list_type": code,
            "list_name": kind.name,
            "since": record.valid_from or record.decision_date,
            "until": record.valid_to,
            "record_id": record.id,
            "disputed": record.record_key in disputed,
        }
        for record, subject in rows
    ]
    return entries, int(total)
