"""When warnings are looked for: after each ingest batch (the events and relations its new
records cause, in the batch's transaction, so they are there when it commits), and daily
(records written by other paths since the day before, dated events, and the trends)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.db.bulk import among
from xinyong.evaluation.registry import evaluation_models
from xinyong.evaluation.tables import GradeChange
from xinyong.records.models import Record
from xinyong.subjects.models import Subject
from xinyong.trends.series import baseline_of, label_of, month_of, months_until, surges
from xinyong.warning.events import (
    CATCH_UP_DAYS,
    annual_report_drafts,
    licence_drafts,
    publicity_ended_drafts,
    read_rows,
    record_drafts,
)
from xinyong.warning.models import CreditWarning
from xinyong.warning.registry import (
    GradeDropWhen,
    GroupSurgeWhen,
    LicenceWhen,
    RecordWhen,
    RuleVersion,
    rules_on,
)
from xinyong.warning.relations import relation_drafts
from xinyong.warning.service import Draft, audit_run, raise_drafts

NATURAL_PERSON = "natural_person"
JOB_ACTOR = Actor("system:warnings")
SWEEP_CHUNK = 20_000


def _record_condition(version: RuleVersion, today: date) -> ColumnElement[bool]:
    """The records any event or relation rule may warn about (pushed into SQL, so that a
    large batch reads only the few that matter)."""
    parts: list[ColumnElement[bool]] = []
    for rule in version.rules:
        when = rule.when
        if isinstance(when, RecordWhen):
            part: ColumnElement[bool] = Record.item.in_(rule.items)
            if when.severity:
                part = and_(part, Record.severity == when.severity)
            parts.append(part)
        elif isinstance(when, LicenceWhen):
            horizon = today + timedelta(days=when.within_days)
            parts.append(and_(Record.item.in_(rule.items), Record.valid_to.between(today, horizon)))
        elif when.kind == "controller_listed":
            parts.append(and_(Record.item.in_(rule.items), Subject.kind == NATURAL_PERSON))
    return or_(*parts) if parts else false()


def _warn_rows(
    session: Session, version: RuleVersion, today: date, *conditions: ColumnElement[bool]
) -> int:
    rows = list(read_rows(session, _record_condition(version, today), *conditions))
    drafts = record_drafts(session, version, rows, today)
    drafts += relation_drafts(session, version, rows, today)
    return raise_drafts(session, version, drafts)


def batch_items(version: RuleVersion) -> set[str]:
    kinds = ("record", "licence_expiring", "controller_listed")
    return {i for r in version.rules if r.when.kind in kinds for i in r.items}


def last_record_id(session: Session) -> int:
    """The highest record id now: a batch's records are those above it (read by key range)."""
    return int(session.execute(select(func.coalesce(func.max(Record.id), 0))).scalar_one())


def warn_batch(session: Session, item: str, batch_id: int, since_id: int, today: date) -> int:
    """Warnings caused by the records batch ``batch_id`` wrote (ids above ``since_id``)."""
    version = rules_on(today)
    if version is None or item not in batch_items(version):
        return 0
    return _warn_rows(
        session,
        version,
        today,
        Record.id > since_id,
        Record.batch_id == batch_id,
        Record.item == item,
    )


# -- trends ------------------------------------------------------------------------------------


def grade_drop_drafts(session: Session, version: RuleVersion, since: datetime) -> list[Draft]:
    """Grade changes recorded since ``since`` that fall at least the rule's steps."""
    rules = version.of_kind("grade_drop")
    if not rules:
        return []
    models = evaluation_models()
    statement = (
        select(GradeChange, Subject.name, Subject.kind)
        .join(Subject, Subject.id == GradeChange.subject_id)
        .where(GradeChange.recorded_at >= since, GradeChange.old_grade.is_not(None))
    )
    drafts = []
    for change, name, kind in session.execute(statement):
        model = models.get(change.model)
        if model is None or change.old_grade not in model.grade_names:
            continue
        order = model.grade_names  # best first
        fall = order.index(change.grade) - order.index(change.old_grade)
        for rule in rules:
            assert isinstance(rule.when, GradeDropWhen)
            if fall < rule.when.steps:
                continue
            drafts.append(
                Draft(
                    rule=rule,
                    cause=f"grade:{change.id}",
                    values={
                        "subject": name,
                        "model": model.name,
                        "old_grade": change.old_grade,
                        "grade": change.grade,
                        "valid_from": change.valid_from.isoformat(),
                    },
                    subject_id=change.subject_id,
                    subject_kind=kind,
                    evidence={"grade_change": change.id, "model": change.model, "steps": fall},
                )
            )
    return drafts


def surge_drafts(session: Session, version: RuleVersion, today: date) -> list[Draft]:
    """Industries and districts whose last full month's penalties are far above their usual
    level (the change-point rule of ``xinyong.trends``)."""
    drafts = []
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    for rule in version.of_kind("group_surge"):
        when = rule.when
        assert isinstance(when, GroupSurgeWhen)
        months = months_until(last, when.baseline_months + 1)
        month = month_of(session, Record.decision_date)
        section = func.substr(Subject.industry, 1, 1)
        statement = (
            select(month, section, Subject.district, func.count())
            .join(Subject, Subject.id == Record.subject_id)
            .where(
                Record.item.in_(rule.items),
                Record.version == 1,
                Record.decision_date >= date.fromisoformat(months[0] + "-01"),
                Record.decision_date < today.replace(day=1),
            )
            .group_by(month, section, Subject.district)
        )
        by_dimension: dict[str, dict[str, Counter[str]]] = {d: {} for d in when.groups}
        for m, industry, district, n in session.execute(statement):
            for dimension, group in (("industry", industry), ("district", district)):
                if dimension in by_dimension and group is not None:
                    by_dimension[dimension].setdefault(group, Counter())[m] += int(n)
        for dimension, counts in by_dimension.items():
            for group, by_month in sorted(counts.items()):
                values = [by_month.get(m, 0) for m in months]
                found = surges(values, when.baseline_months, when.sigmas, when.min_count)
                if not found or found[-1] != len(values) - 1:
                    continue  # the last full month is not a surge
                mean, sd = baseline_of(values[:-1])
                drafts.append(
                    Draft(
                        rule=rule,
                        cause=f"{dimension}:{group}:{last}",
                        values={
                            "group": label_of(dimension, group),
                            "month": last,
                            "count": values[-1],
                            "baseline_months": when.baseline_months,
                            "mean": f"{mean:.1f}",
                            "sd": f"{sd:.1f}",
                        },
                        group=(dimension, group),
                        evidence={"months": months, "values": values, "dimension": dimension},
                    )
                )
    return drafts


def _recent_ids(session: Session, since: datetime) -> list[list[int]]:
    """Ids of the records written since ``since``, in chunks: one plain pass over the table
    (read by the rules' item index, the planner would visit most of it one row at a time)."""
    ids = list(session.execute(select(Record.id).where(Record.recorded_at >= since)).scalars())
    return [ids[n : n + SWEEP_CHUNK] for n in range(0, len(ids), SWEEP_CHUNK)]


def run_warnings(session: Session, today: date, actor: Actor = JOB_ACTOR) -> dict[str, Any]:
    """The daily warning run (in the caller's transaction): new warnings per rule."""
    version = rules_on(today)
    if version is None:
        return {"rules_version": None, "new": 0, "by_rule": {}}
    since = datetime.combine(today - timedelta(days=CATCH_UP_DAYS), time())
    before = _by_rule(session)
    for chunk in _recent_ids(session, since):
        _warn_rows(session, version, today, among(session, Record.id, chunk, BigInteger()))
    drafts = licence_drafts(session, version, today)
    drafts += publicity_ended_drafts(session, version, today)
    drafts += annual_report_drafts(session, version, today)
    drafts += grade_drop_drafts(session, version, since)
    drafts += surge_drafts(session, version, today)
    raise_drafts(session, version, drafts)
    after = _by_rule(session)
    by_rule = {r: after[r] - before.get(r, 0) for r in after if after[r] != before.get(r, 0)}
    report = {
        "rules_version": version.effective_from.isoformat(),
        "new": sum(by_rule.values()),
        "by_rule": by_rule,
    }
    audit_run(session, actor, "run", today, report)
    return report


def _by_rule(session: Session) -> dict[str, int]:
    rows = session.execute(select(CreditWarning.rule, func.count()).group_by(CreditWarning.rule))
    return {rule: int(n) for rule, n in rows}
