"""Event warnings: a new record that a rule names (a serious penalty, a list entry, abnormal
operation, arrears, a licence about to expire), and the dated events the daily run finds (a
licence expiring within its days, an annual report overdue, a minimum publicity period that
has ended so that a repair may be asked for)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.catalog.registry import get_catalog
from xinyong.publicity.periods import penalty_minimum_end
from xinyong.records.layouts import layout_codes
from xinyong.records.models import Record
from xinyong.subjects.models import Subject
from xinyong.warning.registry import (
    AnnualReportWhen,
    LicenceWhen,
    RecordWhen,
    Rule,
    RuleVersion,
)
from xinyong.warning.service import Draft

READ_CHUNK = 5000
# A missed daily run is caught up: dated events of the last days are looked at again
# (their warnings are de-duplicated).
CATCH_UP_DAYS = 7


@dataclass(frozen=True)
class Row:
    id: int
    record_key: str
    item: str
    subject_id: int
    department_id: int | None
    decision_date: date | None
    valid_to: date | None
    severity: str | None
    layout_id: int
    values: list[Any]
    subject_kind: str
    subject_name: str
    person_hash: str | None
    department: str | None


_COLUMNS = (
    Record.id,
    Record.record_key,
    Record.item,
    Record.subject_id,
    Record.department_id,
    Record.decision_date,
    Record.valid_to,
    Record.severity,
    Record.layout_id,
    Record.stored_values,
    Subject.kind,
    Subject.name,
    Subject.person_hash,
    Department.name,
)


def read_rows(session: Session, *conditions: ColumnElement[bool]) -> Iterator[Row]:
    """Current active records matching ``conditions`` with their subject and department."""
    statement = (
        select(*_COLUMNS)
        .join(Subject, Subject.id == Record.subject_id)
        .outerjoin(Department, Department.id == Record.department_id)
        .where(Record.is_current.is_(True), Record.status == "active", *conditions)
        .execution_options(yield_per=READ_CHUNK)
    )
    for row in session.execute(statement):
        yield Row(*row)


def field_value(session: Session, row: Row, code: str) -> Any:
    codes = layout_codes(session, row.layout_id)
    return row.values[codes.index(code)] if code in codes else None


def document_of(session: Session, row: Row) -> str:
    """The record's document number (文书号) when its item has one, else the item's name."""
    item = get_catalog().item(row.item)
    for code in item.field_codes:
        if code.endswith(("WSH", "WH")) and (value := field_value(session, row, code)):
            return str(value)
    return item.name


def record_values(session: Session, row: Row) -> dict[str, Any]:
    return {
        "subject": row.subject_name,
        "decision_date": row.decision_date.isoformat() if row.decision_date else "",
        "department": row.department or "有关部门",
        "document": document_of(session, row),
        "item": get_catalog().item(row.item).name,
        "valid_to": row.valid_to.isoformat() if row.valid_to else "",
    }


def draft_for(session: Session, rule: Rule, row: Row, cause: str, **extra: Any) -> Draft:
    return Draft(
        rule=rule,
        cause=cause,
        values=record_values(session, row) | extra,
        subject_id=row.subject_id,
        subject_kind=row.subject_kind,
        department_id=row.department_id,
        evidence={"records": [row.id], "item": row.item},
    )


def matches(rule: Rule, row: Row, today: date) -> bool:
    when = rule.when
    if row.item not in rule.items:
        return False
    if isinstance(when, RecordWhen):
        return when.severity is None or row.severity == when.severity
    if isinstance(when, LicenceWhen):
        return row.valid_to is not None and today <= row.valid_to <= today + timedelta(
            days=when.within_days
        )
    return False


def record_drafts(
    session: Session, version: RuleVersion, rows: Iterable[Row], today: date
) -> list[Draft]:
    """The event warnings the records ``rows`` cause (rules of kind record and licence)."""
    rules = version.of_kind("record", "licence_expiring")
    drafts = []
    for row in rows:
        for rule in rules:
            if matches(rule, row, today):
                cause = row.record_key
                if rule.when.kind == "licence_expiring":
                    cause = f"{row.record_key}:{row.valid_to}"  # a renewed licence warns again
                drafts.append(draft_for(session, rule, row, cause))
    return drafts


# -- dated events (daily run) ------------------------------------------------------------------


def licence_drafts(session: Session, version: RuleVersion, today: date) -> list[Draft]:
    drafts: list[Draft] = []
    for rule in version.of_kind("licence_expiring"):
        assert isinstance(rule.when, LicenceWhen)
        horizon = today + timedelta(days=rule.when.within_days)
        rows = read_rows(
            session,
            Record.item.in_(rule.items),
            Record.valid_to >= today,
            Record.valid_to <= horizon,
        )
        drafts.extend(draft_for(session, rule, r, f"{r.record_key}:{r.valid_to}") for r in rows)
    return drafts


def decision_days_ending(severity: str, days: Iterable[date]) -> set[date]:
    """The decision dates whose minimum publicity period ends on one of ``days``."""
    wanted = set(days)
    found = set()
    first, last = min(wanted), max(wanted)
    decided = first - timedelta(days=4 * 366)
    while decided <= last:
        if penalty_minimum_end(decided, severity) in wanted:
            found.add(decided)
        decided += timedelta(days=1)
    return found


def publicity_ended_drafts(session: Session, version: RuleVersion, today: date) -> list[Draft]:
    """Penalties whose minimum publicity period ended in the last days: a repair may be
    asked for (the good news, to the enterprise)."""
    days = [today - timedelta(days=n) for n in range(CATCH_UP_DAYS)]
    drafts = []
    for rule in version.of_kind("publicity_ended"):
        for severity in ("general", "serious"):
            decided = sorted(decision_days_ending(severity, days))
            if not decided:
                continue
            rows = read_rows(
                session,
                Record.item.in_(rule.items),
                Record.severity == severity,
                Record.decision_date.in_(decided),
            )
            for r in rows:
                assert r.decision_date is not None
                end = penalty_minimum_end(r.decision_date, severity)
                drafts.append(
                    draft_for(session, rule, r, r.record_key, minimum_end=end.isoformat())
                )
    return drafts


def annual_report_drafts(session: Session, version: RuleVersion, today: date) -> list[Draft]:
    """Organisations registered before last year that have sent no report for last year
    by the due day of this year."""
    drafts = []
    for rule in version.of_kind("annual_report_overdue"):
        when = rule.when
        assert isinstance(when, AnnualReportWhen)
        year = today.year - 1
        month, day = (int(p) for p in when.due.split("-"))
        due = date(today.year, month, day)
        if today <= due:
            continue
        reported = _reported(session, when.items, str(year))
        registered = select(Subject.id, Subject.name, Subject.kind).where(
            Subject.kind.in_(when.subject_kinds),
            Subject.id.in_(
                select(Record.subject_id).where(
                    Record.item == "registration_basics",
                    Record.is_current.is_(True),
                    Record.status == "active",
                    Record.decision_date < date(year, 1, 1),
                )
            ),
        )
        for sid, name, kind in session.execute(registered):
            if sid in reported:
                continue
            drafts.append(
                Draft(
                    rule=rule,
                    cause=f"annual_report:{year}",
                    values={"subject": name, "year": year, "due_date": due.isoformat()},
                    subject_id=sid,
                    subject_kind=kind,
                    evidence={"year": year, "due_date": due.isoformat()},
                )
            )
    return drafts


def _reported(session: Session, items: list[str], year: str) -> set[int]:
    """Subjects with a current report for ``year`` (field NB_ND)."""
    found = set()
    rows = session.execute(
        select(Record.subject_id, Record.layout_id, Record.stored_values).where(
            Record.item.in_(items), Record.is_current.is_(True), and_(Record.status != "revoked")
        )
    )
    positions: dict[int, int | None] = {}
    for sid, layout_id, values in rows:
        if layout_id not in positions:
            codes = list(layout_codes(session, layout_id))
            positions[layout_id] = codes.index("NB_ND") if "NB_ND" in codes else None
        at = positions[layout_id]
        if at is not None and values and str(values[at]) == year:
            found.add(sid)
    return found
