"""Relation warnings: a natural person entering a serious list warns every company they are
the legal representative of (graph edges ``legal_representative``) or the actual controller
of (``xinyong.graph`` control analysis), with the path from the person to the company."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.graph.build import person_key
from xinyong.graph.models import HOLDING, LEGAL_REPRESENTATIVE
from xinyong.graph.query import GraphView, load_edges
from xinyong.graph.service import CONTROL_LEVELS, CONTROL_NODES, analyse_subject, public_id
from xinyong.permissions.policy import Audience
from xinyong.subjects.models import Subject
from xinyong.warning.events import Row, record_values
from xinyong.warning.registry import ControllerWhen, RuleVersion
from xinyong.warning.service import Draft

NATURAL_PERSON = "natural_person"
ROLE_LABELS = {"actual_controller": "实际控制人", "legal_representative": "法定代表人"}


@dataclass(frozen=True)
class Tie:
    company: str  # USCC
    company_id: int
    role: str
    nodes: tuple[str, ...]  # the person first, the company last
    records: tuple[int, ...]  # the records behind each step
    share: float | None = None


def _downstream(session: Session, view: GraphView, root: str) -> dict[str, int]:
    """Every company ``root`` holds, directly or through others (USCC -> subject id)."""
    seen = {root}
    frontier = {root}
    reached: dict[str, int] = {}
    for _ in range(CONTROL_LEVELS):
        edges = load_edges(session, view, sources=frontier, kinds=(HOLDING,))
        frontier = set()
        for edge in edges:
            if edge.target not in seen:
                seen.add(edge.target)
                frontier.add(edge.target)
                reached[edge.target] = edge.target_id
        if not frontier or len(seen) > CONTROL_NODES:
            break
    return reached


def ties_of(session: Session, view: GraphView, key: str, roles: Iterable[str]) -> list[Tie]:
    """The companies the node ``key`` represents or controls, with the path to each."""
    ties: dict[tuple[str, str], Tie] = {}
    if "legal_representative" in roles:
        for e in load_edges(session, view, sources=[key], kinds=(LEGAL_REPRESENTATIVE,)):
            ties[(e.target, "legal_representative")] = Tie(
                e.target, e.target_id, "legal_representative", (key, e.target), (e.record_id,)
            )
    if "actual_controller" in roles:
        for company, company_id in sorted(_downstream(session, view, key).items()):
            result, _ = analyse_subject(session, view, company)
            c = result.controller
            if c is None or c.key != key:
                continue
            path = c.paths[0] if c.paths else None
            ties[(company, "actual_controller")] = Tie(
                company,
                company_id,
                "actual_controller",
                path.nodes if path else (key, company),
                path.records if path else (),
                c.share,
            )
    return sorted(ties.values(), key=lambda t: (t.company, t.role))


def _names(session: Session, keys: set[str]) -> dict[str, str]:
    codes = [k for k in keys if len(k) == 18 and ":" not in k]
    rows = session.execute(select(Subject.uscc, Subject.name).where(Subject.uscc.in_(codes)))
    return {uscc: name for uscc, name in rows if uscc}


def relation_drafts(
    session: Session, version: RuleVersion, rows: Iterable[Row], today: date
) -> list[Draft]:
    """Warnings to the companies tied to the persons whose list entries are ``rows``."""
    rules = version.of_kind("controller_listed")
    if not rules:
        return []
    view = GraphView(get_catalog(), Audience.staff, today, today)
    drafts = []
    for row in rows:
        if row.subject_kind != NATURAL_PERSON or not row.person_hash:
            continue
        for rule in rules:
            when = rule.when
            assert isinstance(when, ControllerWhen)
            if row.item not in when.items:
                continue
            key = person_key(row.person_hash)
            ties = ties_of(session, view, key, when.roles)
            names = _names(session, {k for t in ties for k in t.nodes})
            names[key] = row.subject_name
            for tie in ties:
                shown = " → ".join(names.get(k, public_id(k)) for k in tie.nodes)
                values = record_values(session, row) | {
                    "subject": names.get(tie.company, tie.company),
                    "role": ROLE_LABELS[tie.role],
                    "person": row.subject_name,
                    "path": shown,
                }
                drafts.append(
                    Draft(
                        rule=rule,
                        cause=f"{row.record_key}:{tie.role}",
                        values=values,
                        subject_id=tie.company_id,
                        subject_kind="enterprise",
                        department_id=row.department_id,
                        evidence={
                            "records": [row.id],
                            "item": row.item,
                            "role": tie.role,
                            "path": [public_id(k) for k in tie.nodes],
                            "path_names": [names.get(k, public_id(k)) for k in tie.nodes],
                            "path_records": list(tie.records),
                            "share": tie.share,
                        },
                    )
                )
    return drafts
