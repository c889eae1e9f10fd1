"""Reading the monitoring: the board (each indicator's value, target and 12-month series) and
the drill-down from a value to the rows counted in one of its parts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from xinyong.monitoring.compute import MonitoringError, parse_month, part_sql, sql_params
from xinyong.monitoring.followups import list_followups
from xinyong.monitoring.models import MonitoringRow, MonitoringValue
from xinyong.monitoring.registry import Indicator, indicators_for
from xinyong.permissions import authorize
from xinyong.permissions.policy import Principal
from xinyong.trends.series import months_until

SERIES_MONTHS = 12
DRILL_LIMIT = 1000
PARTS = {"numerator": "分子", "denominator": "分母"}
# What a drill-down shows of each table's rows (never a person's ID number).
DETAILS: dict[str, str] = {
    "records": (
        "SELECT r.id, r.item, s.name AS subject, r.decision_date, r.published_at, r.status, "
        "d.name AS department FROM records r JOIN subjects s ON s.id = r.subject_id "
        "LEFT JOIN departments d ON d.id = r.department_id"
    ),
    "subjects": (
        "SELECT s.id, s.name, s.kind, COALESCE(s.uscc, s.person_id_masked) AS code, "
        "s.industry, s.district FROM subjects s"
    ),
    "batches": (
        "SELECT b.id, b.item, b.source_name, b.finished_at, d.name AS department, "
        "b.counts FROM batches b LEFT JOIN departments d ON d.id = b.department_id"
    ),
    "code_conflicts": (
        "SELECT c.id, c.kind, c.code, c.name, c.other_code, c.other_name, c.opened_at, "
        "c.resolved_at, c.status FROM code_conflicts c"
    ),
    "objections": (
        "SELECT o.id, o.tracking_code, o.submitted_at, o.due_date, o.decided_at, o.state "
        "FROM objections o"
    ),
    "repair_applications": (
        "SELECT a.id, a.tracking_code, a.submitted_at, a.due_date, a.decided_at, a.state "
        "FROM repair_applications a"
    ),
    "list_recognitions": (
        "SELECT l.id, l.list_type, l.subtype, l.decided_on, l.report_due, l.reported_at, "
        "d.name AS department FROM list_recognitions l "
        "LEFT JOIN departments d ON d.id = l.department_id"
    ),
    "joint_tasks": (
        "SELECT t.id, t.implementer, t.measure, t.due_date, t.state FROM joint_tasks t"
    ),
    "credit_checks": ("SELECT c.id, c.caller, c.matter, c.hits, c.created_at FROM credit_checks c"),
}
_ALIAS = {
    "records": "r",
    "subjects": "s",
    "batches": "b",
    "code_conflicts": "c",
    "objections": "o",
    "repair_applications": "a",
    "list_recognitions": "l",
    "joint_tasks": "t",
    "credit_checks": "c",
}


def _value(session: Session, code: str, month: str) -> MonitoringValue | None:
    return session.execute(
        select(MonitoringValue).where(
            MonitoringValue.indicator == code, MonitoringValue.month == month
        )
    ).scalar_one_or_none()


def describe(indicator: Indicator) -> dict[str, Any]:
    return {
        "code": indicator.code,
        "name": indicator.name,
        "group": indicator.group,
        "formula": indicator.formula,
        "kind": indicator.kind,
        "direction": indicator.direction,
        "target": indicator.target,
        "responsible": indicator.responsible,
        "basis": indicator.basis,
    }


def board(session: Session, actor: Principal, raw_month: str) -> dict[str, Any]:
    """Every indicator of the month with its value and the 12 months to it."""
    authorize(actor, "monitoring.read")
    month = parse_month(raw_month)
    version = indicators_for(month.start)
    months = months_until(month.code, SERIES_MONTHS)
    stored = session.execute(
        select(MonitoringValue).where(MonitoringValue.month.in_(months))
    ).scalars()
    by_key = {(v.indicator, v.month): v for v in stored}
    rows = []
    for ind in version.indicators:
        now = by_key.get((ind.code, month.code))
        before = by_key.get((ind.code, month.previous().code))
        rows.append(
            describe(ind)
            | {
                "value": now.value if now else None,
                "numerator": now.numerator if now else None,
                "denominator": now.denominator if now else None,
                "computed": now is not None,
                "previous": before.value if before else None,
                "meets_target": None
                if not now or now.value is None or ind.target is None
                else not ind.misses(now.value),
                "series": [
                    by_key[(ind.code, m)].value if (ind.code, m) in by_key else None for m in months
                ],
            }
        )
    return {
        "month": month.code,
        "months": months,
        "version": version.effective_from.isoformat(),
        "source": version.source,
        "indicators": rows,
        "followups": list_followups(session, actor, month.code),
    }


def drill(
    session: Session,
    actor: Principal,
    code: str,
    raw_month: str,
    part: str = "numerator",
    limit: int = DRILL_LIMIT,
) -> dict[str, Any]:
    """The rows counted in ``part`` of the indicator's value for the month."""
    authorize(actor, "monitoring.read")
    month = parse_month(raw_month)
    version = indicators_for(month.start)
    try:
        indicator = version.indicator(code)
    except KeyError:
        raise MonitoringError(f"监测指标（indicator）“{code}”不存在") from None
    if part not in PARTS:
        raise MonitoringError(
            f"部分（part）“{part}”不存在，可选：numerator（分子）、denominator（分母）"
        )
    spec = indicator.numerator if part == "numerator" else indicator.denominator
    if spec is None:
        raise MonitoringError(f"指标“{indicator.name}”没有{PARTS[part]}")
    value = _value(session, code, month.code)
    if value is None:
        raise MonitoringError(f"指标“{indicator.name}”尚未计算 {month.code} 的数值")
    table = spec.from_ or (indicator.denominator.from_ if indicator.denominator else None)
    assert table is not None
    stored = spec.keep_rows
    if stored:
        ids = list(
            session.execute(
                select(MonitoringRow.ref_id)
                .where(MonitoringRow.value_id == value.id, MonitoringRow.part == part)
                .order_by(MonitoringRow.id)
            ).scalars()
        )
        total = len(ids)
    else:  # a population: listed by running its query again
        params = sql_params(session, month)
        ids = [str(r[0]) for r in session.execute(text(part_sql(spec)), params)]
        total = len(ids)
    rows = _details(session, table, ids[:limit])
    count = value.numerator if part == "numerator" else value.denominator
    return {
        "indicator": describe(indicator),
        "month": month.code,
        "part": part,
        "part_label": PARTS[part],
        "table": table,
        "count": count,
        "listed": len(rows),
        "total_rows": total,
        "stored": stored,
        "rows": rows,
    }


def _details(session: Session, table: str, ids: list[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    alias = _ALIAS[table]
    key_type = str if table == "credit_checks" else int
    keys = [key_type(i) for i in ids]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        names = ", ".join(f":k{n}" for n in range(len(chunk)))
        sql = f"{DETAILS[table]} WHERE {alias}.id IN ({names})"
        result = session.execute(text(sql), {f"k{n}": k for n, k in enumerate(chunk)})
        for row in result.mappings():
            found[str(row["id"])] = {k: _plain(v) for k, v in row.items()}
    return [found[i] for i in ids if i in found]


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def series(session: Session, actor: Principal, code: str, raw_month: str) -> dict[str, Any]:
    """One indicator's 12-month series to ``raw_month``."""
    answer = board(session, actor, raw_month)
    for row in answer["indicators"]:
        if row["code"] == code:
            return {"month": answer["month"], "months": answer["months"], **row}
    raise MonitoringError(f"监测指标（indicator）“{code}”不存在")
