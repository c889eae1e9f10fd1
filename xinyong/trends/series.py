"""Monthly series of the city's credit data by group: records, penalties, list entries and
grades by industry section (GB/T 4754 门类), district, subject kind and age band, with their
change points marked. Plain SQL aggregates grouped by month (the same expressions a Spark
path would run) and one change-point rule (``surges``) that the trend warnings use too.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import Session, aliased

from xinyong.evaluation.tables import GradeChange
from xinyong.publicity.periods import add_months
from xinyong.records.models import Record
from xinyong.subjects.classify import districts, section_name, sections
from xinyong.subjects.models import Subject

Measure = Literal["records", "penalties", "list_entries", "grades"]
Dimension = Literal["industry", "district", "kind", "age"]
MEASURES: dict[str, str] = {
    "records": "信用记录",
    "penalties": "行政处罚",
    "list_entries": "严重失信名单",
    "grades": "信用等级（月末在用）",
}
DIMENSIONS: dict[str, str] = {
    "industry": "行业",
    "district": "区县",
    "kind": "主体类型",
    "age": "企业年龄",
}
LIST_ITEMS = ("black_list", "dishonest_judgment_debtor")
KIND_LABELS = {
    "enterprise": "企业",
    "individual_business": "个体工商户",
    "farmer_cooperative": "农民专业合作社",
    "government_body": "机关",
    "public_institution": "事业单位",
    "social_organization": "社会组织",
    "collective_economic_org": "农村集体经济组织",
    "other_organization": "其他组织",
    "natural_person": "自然人",
}
# Enterprise age bands in years (ES_SXY 企业年龄分析): lower bound inclusive.
AGE_BANDS = (
    (0, "3年以下"),
    (3, "3-5年"),
    (5, "5-10年"),
    (10, "10-20年"),
    (20, "20-30年"),
    (30, "30年以上"),
)
MAX_MONTHS = 60


class TrendError(ValueError):
    """A trend request that cannot be answered; the message is in Chinese."""


@dataclass
class Series:
    group: str
    label: str
    values: list[int]
    change_points: list[int] = field(default_factory=list)  # indexes into the months


def months_until(last: str, count: int) -> list[str]:
    year, month = (int(p) for p in last.split("-"))
    end = date(year, month, 1)
    return [add_months(end, -n).strftime("%Y-%m") for n in reversed(range(count))]


def month_start(month: str) -> date:
    year, m = (int(p) for p in month.split("-"))
    return date(year, m, 1)


def month_of(session: Session, column: Any) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def surges(values: list[int], baseline: int, sigmas: float, min_count: int) -> list[int]:
    """Indexes whose value is at least ``min_count`` and more than ``sigmas`` standard
    deviations above the mean of the ``baseline`` values before it (a flat history counts
    its standard deviation as 1, so that a jump from zero shows)."""
    found = []
    for i in range(baseline, len(values)):
        history = values[i - baseline : i]
        mean = statistics.fmean(history)
        sd = statistics.pstdev(history) or 1.0
        if values[i] >= min_count and values[i] > mean + sigmas * sd:
            found.append(i)
    return found


def baseline_of(values: list[int]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.pstdev(values)


def _group_column(session: Session, dimension: str) -> Any:
    if dimension == "industry":
        return func.substr(Subject.industry, 1, 1)
    if dimension == "district":
        return Subject.district
    if dimension == "kind":
        return Subject.kind
    reg = aliased(Record)
    registration = (
        select(reg.decision_date)
        .where(
            reg.subject_id == Subject.id,
            reg.item == "registration_basics",
            reg.is_current.is_(True),
        )
        .limit(1)
        .correlate(Subject)
        .scalar_subquery()
    )
    return func.coalesce(Subject.registered_on, registration)


def label_of(dimension: str, group: str | None) -> str:
    if dimension == "industry":
        return section_name(group) if group else "未分类"
    if dimension == "district":
        return districts().get(group or "", "未知区县")
    if dimension == "kind":
        return KIND_LABELS.get(group or "", group or "未知")
    return group or "未知"


def _age_band(founded: Any, month: str) -> str:
    if not founded:
        return "未知"
    year = int(str(founded)[:4])
    age = max(0, int(month[:4]) - year)
    return next(label for low, label in reversed(AGE_BANDS) if age >= low)


def _record_counts(
    session: Session, measure: str, dimension: str, months: list[str]
) -> dict[tuple[str, str], int]:
    when = month_of(session, Record.decision_date)
    group = _group_column(session, dimension)
    conditions: list[ColumnElement[bool]] = [
        Record.version == 1,  # a record counts once, in the month it was decided
        Record.decision_date >= month_start(months[0]),
        Record.decision_date < add_months(month_start(months[-1]), 1),
    ]
    if measure == "penalties":
        conditions.append(Record.item == "admin_penalty")
    elif measure == "list_entries":
        conditions.append(Record.item.in_(LIST_ITEMS))
    statement = (
        select(when, group, func.count())
        .join(Subject, Subject.id == Record.subject_id)
        .where(*conditions)
        .group_by(when, group)
    )
    counts: dict[tuple[str, str], int] = {}
    for month, value, n in session.execute(statement):
        key = _age_band(value, month) if dimension == "age" else (value or "")
        counts[(key, month)] = counts.get((key, month), 0) + int(n)
    return counts


def _grade_counts(
    session: Session, dimension: str, months: list[str]
) -> dict[tuple[str, str], int]:
    """Grades in force at each month's end, by grade (and group, as "group/grade")."""
    group = _group_column(session, dimension)
    counts: dict[tuple[str, str], int] = {}
    for month in months:
        end = add_months(month_start(month), 1)
        statement = (
            select(literal(month), group, GradeChange.grade, func.count())
            .join(Subject, Subject.id == GradeChange.subject_id)
            .where(
                GradeChange.valid_from < end,
                (GradeChange.valid_to.is_(None)) | (GradeChange.valid_to >= end),
            )
            .group_by(group, GradeChange.grade)
        )
        for _, value, grade, n in session.execute(statement):
            key = _age_band(value, month) if dimension == "age" else (value or "")
            counts[(f"{key}/{grade}", month)] = counts.get((f"{key}/{grade}", month), 0) + int(n)
    return counts


def trend(
    session: Session,
    measure: str,
    dimension: str,
    last_month: str,
    count: int = 12,
    sigmas: float = 3.0,
    baseline: int = 6,
    min_count: int = 3,
) -> dict[str, Any]:
    """The series of ``measure`` by ``dimension`` for the ``count`` months to ``last_month``."""
    if measure not in MEASURES:
        raise TrendError(f"指标（measure）“{measure}”不存在，可选：{'、'.join(MEASURES)}")
    if dimension not in DIMENSIONS:
        raise TrendError(f"维度（dimension）“{dimension}”不存在，可选：{'、'.join(DIMENSIONS)}")
    if not 1 <= count <= MAX_MONTHS:
        raise TrendError(f"月份数（months）为 {count}，应在 1 至 {MAX_MONTHS} 之间")
    try:
        months = months_until(last_month, count)
    except ValueError:
        raise TrendError(f"月份（month）“{last_month}”不是 YYYY-MM 格式的月份") from None
    if measure == "grades":
        counts = _grade_counts(session, dimension, months)
    else:
        counts = _record_counts(session, measure, dimension, months)
    groups = sorted({g for g, _ in counts}, key=_order(dimension))
    series = []
    for g in groups:
        values = [counts.get((g, m), 0) for m in months]
        base, _, grade = g.partition("/")
        label = label_of(dimension, base) + (f" {grade}" if grade else "")
        series.append(
            Series(g, label, values, surges(values, min(baseline, count - 1), sigmas, min_count))
        )
    return {
        "measure": measure,
        "measure_label": MEASURES[measure],
        "dimension": dimension,
        "dimension_label": DIMENSIONS[dimension],
        "months": months,
        "series": [s.__dict__ for s in series],
        "change_rule": (
            f"当月数值不少于 {min_count} 且高于此前 {baseline} 个月均值加 {sigmas:g} 倍标准差"
        ),
    }


def _order(dimension: str) -> Any:
    if dimension == "age":
        rank = {label: n for n, (_, label) in enumerate(AGE_BANDS)}
        return lambda g: (rank.get(g.partition("/")[0], 99), g)
    if dimension == "industry":
        letters = list(sections())
        return lambda g: (letters.index(g[0]) if g and g[0] in letters else 99, g)
    return lambda g: g


def table_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's numbers as rows (for CSV and XLSX): one row per group and month."""
    rows = []
    for s in answer["series"]:
        for n, month in enumerate(answer["months"]):
            rows.append(
                {
                    "指标": answer["measure_label"],
                    answer["dimension_label"]: s["label"],
                    "月份": month,
                    "数量": s["values"][n],
                    "变化点": "是" if n in s["change_points"] else "否",
                }
            )
    return rows
