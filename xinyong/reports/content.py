"""What a report says: sections in the national layout, built from the record views.

Which records a report shows is never decided here: the public organisation report reads the
public view (``records.views.subject_records`` with ``Audience.public``, the subject page's
own query, so its counts are the page's); the government, own (natural person) and special
reports read the sharing view for their reader and keep the statuses ``domains.yaml`` names,
marking repaired records 已修复. Every value is presented by ``records.views.present_record``
with ID numbers masked. A section's count is the number of rows it prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.catalog.registry import Catalog, get_catalog
from xinyong.evaluation.views import public_grades
from xinyong.graph.service import actual_controller
from xinyong.objections.service import disputed_keys
from xinyong.permissions import Audience, Principal
from xinyong.privacy.ids import get_protector
from xinyong.records.models import Record
from xinyong.records.views import present_record, subject_records
from xinyong.reports.domains import Domain, DomainBook
from xinyong.subjects.models import Subject
from xinyong.subjects.service import NATURAL_PERSON, name_history
from xinyong.subjects.views import KIND_LABELS, shown_code

LAYOUT_FILE = Path(__file__).parent / "layout.yaml"
COLUMNS = ["序号", "主要内容", "决定日期", "数据来源", "状态"]
SPECIAL_COLUMNS = ["序号", "领域", "主要内容", "决定日期", "数据来源", "状态"]
EMPTY = "无"


class SectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str
    categories: list[str]
    items: list[str] = []


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    basis: str
    sections: list[SectionSpec]
    columns: dict[str, list[str]] = {}

    def check(self, catalog: Catalog) -> Layout:
        """Every item's fields named in ``columns`` exist; every category has a section."""
        for item, codes in self.columns.items():
            unknown = [c for c in codes if c not in catalog.item(item).field_codes]
            if unknown:
                raise ValueError(f"layout.yaml：信息项“{item}”没有字段 {'、'.join(unknown)}")
        for code in catalog.items:
            self.section_of(catalog, code)
        return self

    def section_of(self, catalog: Catalog, item: str) -> str:
        for spec in self.sections:
            if item in spec.items:
                return spec.code
        category = catalog.item(item).category
        for spec in self.sections:
            if category in spec.categories:
                return spec.code
        raise ValueError(f"信息项“{item}”的目录分类“{category}”不在报告版式的任何部分")


@lru_cache(maxsize=1)
def report_layout() -> Layout:
    raw = yaml.safe_load(LAYOUT_FILE.read_text(encoding="utf-8"))
    return Layout.model_validate(raw).check(get_catalog())


@dataclass
class Scope:
    """Who the report is for and what it may show."""

    kind: str  # organisation / person / special
    level: str  # public / government / own
    subject: Subject
    as_of: date
    reader: Principal | None = None  # the sharing rules of a government report
    domains: list[Domain] = field(default_factory=list)
    period: tuple[date, date] | None = None


def _departments(session: Session) -> dict[int, str]:
    return {i: n for i, n in session.execute(select(Department.id, Department.name)).all()}


def _text(value: Any) -> str:
    return "、".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _columns(catalog: Catalog, item: str) -> list[str]:
    own = report_layout().columns.get(item)
    if not own:
        return COLUMNS
    headers = [catalog.item(item).field(code).header for code in own]
    return ["序号", *headers, "数据来源", "状态"]


def _main_content(shown: dict[str, Any], subject: Subject) -> str:
    parts = []
    own = {subject.name, subject.uscc, subject.person_id_masked} - {None, ""}
    for code, value in shown["fields"].items():
        label = shown["labels"].get(code, code)
        if "_XDR_" in code or code.endswith(("_SJLY", "_SJLYDM", "_LB")) or str(value) in own:
            continue  # the subject itself (the report is about it), the source (own column)
        parts.append(f"{label}：{_text(value)}")
    return "；".join(parts)


def _status(record: Record, statuses: dict[str, str], disputed: bool) -> str:
    marks = [statuses.get(record.status, "")] if record.status != "active" else []
    if disputed:
        marks.append("异议处理中")
    return "；".join(m for m in marks if m) or "—"


def _records(session: Session, catalog: Catalog, scope: Scope, book: DomainBook) -> list[Record]:
    if scope.level == "public":
        return subject_records(session, scope.subject.id, catalog, Audience.public, scope.as_of)
    found = subject_records(
        session, scope.subject.id, catalog, Audience.staff, scope.as_of, scope.reader
    )
    return [r for r in found if r.status in book.statuses]


def _row(
    number: int,
    subject: Subject,
    record: Record,
    catalog: Catalog,
    departments: dict[int, str],
    statuses: dict[str, str],
    disputed: bool,
) -> list[str]:
    shown = present_record(record, catalog, Audience.public, get_protector(), disputed)
    source = departments.get(record.department_id or 0, "")
    own_columns = report_layout().columns.get(record.item)
    if own_columns:
        values = [_text(shown["fields"].get(code, "")) for code in own_columns]
        return [str(number), *values, source, _status(record, statuses, disputed)]
    decided = record.decision_date.isoformat() if record.decision_date else ""
    return [
        str(number),
        _main_content(shown, subject),
        decided,
        source,
        _status(record, statuses, disputed),
    ]


def _group(name: str, columns: list[str], rows: list[list[str]], note: str = "") -> dict[str, Any]:
    return {"name": name, "count": len(rows), "columns": columns, "rows": rows, "note": note}


def _section(code: str, name: str, groups: list[dict[str, Any]], note: str = "") -> dict[str, Any]:
    count = sum(g["count"] for g in groups)
    return {"code": code, "name": name, "count": count, "groups": groups, "note": note}


def subject_facts(session: Session, subject: Subject) -> list[list[str]]:
    """Basic information printed above the sections (the person's ID masked)."""
    person = subject.kind == NATURAL_PERSON
    facts = [
        ["姓名" if person else "名称", subject.name],
        ["身份证号码" if person else "统一社会信用代码", shown_code(subject, Audience.public)],
        ["主体类别", KIND_LABELS.get(subject.kind, subject.kind)],
    ]
    if not person:
        former = [n.name for n in name_history(session, subject) if n.name != subject.name]
        for label, value in (
            ("法定代表人", subject.legal_representative),
            ("成立日期", subject.registered_on.isoformat() if subject.registered_on else None),
            ("住所", subject.address),
            ("曾用名", "；".join(former) if former else None),
        ):
            if value:
                facts.append([label, value])
    return facts


def general_sections(
    session: Session, catalog: Catalog, scope: Scope, book: DomainBook
) -> list[dict[str, Any]]:
    """The sections of an organisation or natural person report, every one printed ("无"
    when empty), records grouped by catalog item in catalog order."""
    layout = report_layout()
    records = _records(session, catalog, scope, book)
    disputed = disputed_keys(session, scope.subject.id)
    departments = _departments(session)
    by_item: dict[str, list[Record]] = {}
    for record in records:
        by_item.setdefault(record.item, []).append(record)
    sections = []
    for spec in layout.sections:
        groups = []
        for code in sorted(catalog.items, key=lambda c: catalog.item(c).catalog_number):
            if code in by_item and layout.section_of(catalog, code) == spec.code:
                rows = [
                    _row(
                        i,
                        scope.subject,
                        r,
                        catalog,
                        departments,
                        book.statuses,
                        r.record_key in disputed,
                    )
                    for i, r in enumerate(by_item[code], 1)
                ]
                groups.append(_group(catalog.item(code).name, _columns(catalog, code), rows))
        if spec.code == "basic" and scope.subject.kind != NATURAL_PERSON:
            control = actual_controller(session, scope.subject.uscc or "", catalog, scope.as_of)
            if control:
                share = f"穿透持股 {control['share'] * 100:.2f}%"
                groups.append(
                    _group("实际控制人", ["序号", "名称", "依据"], [["1", control["name"], share]])
                )
        if spec.code == "evaluation" and scope.subject.kind != NATURAL_PERSON:
            grades = public_grades(session, scope.subject)
            rows = [
                [
                    str(i),
                    g["model_name"],
                    f"{g['grade']}级（{g['meaning']}）",
                    g["as_of"].isoformat(),
                ]
                for i, g in enumerate(grades, 1)
            ]
            if rows:
                groups.append(_group("信用评价结果", ["序号", "评价模型", "等级", "评价日"], rows))
        note = "本平台未归集刑事裁判信息" if spec.code == "judicial" else ""
        sections.append(_section(spec.code, spec.name, groups, note))
    return sections


def _in_domains(record: Record, domains: list[Domain], departments: dict[int, str]) -> str | None:
    """The first chosen domain a record counts for (by item and source department)."""
    source = departments.get(record.department_id or 0)
    for domain in domains:
        if record.item in domain.items and domain.covers_department(source):
            return domain.name
    return None


def special_sections(
    session: Session, catalog: Catalog, scope: Scope, book: DomainBook
) -> list[dict[str, Any]]:
    """The sections of a special report: one per item the national notice requires, each
    listing the records of the chosen domains decided in the period; what the platform does
    not collect is said so, never filled."""
    assert scope.period is not None
    start, end = scope.period
    departments = _departments(session)
    disputed = disputed_keys(session, scope.subject.id)
    chosen: dict[str, list[list[str]]] = {code: [] for code in book.minimum_items}
    for record in _records(session, catalog, scope, book):
        if record.item not in chosen or record.decision_date is None:
            continue
        if not start <= record.decision_date <= end:
            continue
        domain = (
            "全部领域"
            if record.item in book.always_items
            else _in_domains(record, scope.domains, departments)
        )
        if domain is None:
            continue
        rows = chosen[record.item]
        row = _row(len(rows) + 1, scope.subject, record, catalog, departments, book.statuses, False)
        if record.record_key in disputed:
            row[-1] = _status(record, book.statuses, True)
        rows.append([row[0], domain, *row[1:]])
    sections = [
        _section(
            code, catalog.item(code).name, [_group(catalog.item(code).name, SPECIAL_COLUMNS, rows)]
        )
        for code, rows in chosen.items()
    ]
    for missing in book.not_collected:
        sections.append(_section("not_collected", missing.name, [], f"未归集：{missing.reason}"))
    return sections
