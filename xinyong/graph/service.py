"""The graph and the control answer of one subject, as a viewer may see them.

Organisations are shown with their USCC; natural persons with their name and masked ID number,
as everywhere in public output. A government user who states a purpose (and may read persons)
sees the ID numbers in full, and every person so revealed is written to the audit log as a
``person.read`` with the purpose (the same entries ``subjects.access.reads_of`` shows a person).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Event, append_events
from xinyong.catalog.registry import Catalog
from xinyong.graph.build import NAME_PREFIX, PERSON_PREFIX, person_key
from xinyong.graph.control import BENEFICIAL_THRESHOLD, ControlResult, Path, analyse, stakes_of
from xinyong.graph.models import EDGE_KINDS, HOLDING, LEGAL_REPRESENTATIVE, OFFICER, GraphEdge
from xinyong.graph.query import (
    Edge,
    GraphView,
    load_edges,
    neighbourhood,
    subscribed_totals,
    upstream,
)
from xinyong.identifiers.check import check_code
from xinyong.permissions.policy import Audience, PermissionDenied, Principal, is_market, may
from xinyong.privacy.ids import get_protector
from xinyong.subjects.access import MARKET_PERSON, PURPOSE_REQUIRED, SubjectNotFound
from xinyong.subjects.models import Subject
from xinyong.subjects.service import NATURAL_PERSON, PERSON_REF_PREFIX, find_subject, names_person
from xinyong.subjects.views import KIND_LABELS

DEFAULT_DEPTH = 2
MAX_DEPTH = 5
MAX_NODES = 300
CONTROL_LEVELS = 20
CONTROL_NODES = 5000
PATHS_SHOWN = 10
MANAGERS = ("总经理", "经理", "负责人", "执行事务合伙人委派代表")
STAFF_ONLY_HISTORY = "按登记时刻（known_at）查询历史版本仅限政务用户"


def public_id(key: str) -> str:
    """How a node is named in output: the USCC, or an opaque reference for a person (the
    subject database's ``P…`` reference) or for a holder without a code (``N…``)."""
    if key.startswith(PERSON_PREFIX):
        return PERSON_REF_PREFIX + key.removeprefix(PERSON_PREFIX)[:20].upper()
    if key.startswith(NAME_PREFIX):
        return "N" + key.removeprefix(NAME_PREFIX)[:20].upper()
    return key


def _not_found(code: str) -> SubjectNotFound:
    return SubjectNotFound(f"未找到代码为“{code}”的主体")


def _next_prefix(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _graph_person(session: Session, key: str) -> str | None:
    found = session.execute(
        select(GraphEdge.source_key).where(GraphEdge.source_key == key).limit(1)
    ).scalar_one_or_none()
    return found


def resolve_root(session: Session, code: str, staff: bool = False) -> str:
    """The node key of ``code``: a subject's (USCC, resident ID, ``P…``), or a person known
    only from the graph, by ``P…`` reference (and, for staff, by resident ID: the public
    gets no answer to "is this ID number in the graph")."""
    subject = find_subject(session, code)
    if subject is not None:
        if subject.person_hash:
            return person_key(subject.person_hash)
        if subject.uscc:
            return subject.uscc
    raw = code.strip()
    checked = check_code(raw)
    if staff and checked.valid and checked.kind == "resident_id":
        found = _graph_person(session, person_key(get_protector().lookup_hash(checked.normalized)))
        if found is not None:
            return found
    if raw.upper().startswith(PERSON_REF_PREFIX) and len(raw) == 21:
        prefix = PERSON_PREFIX + raw[1:].lower()
        found = session.execute(
            select(GraphEdge.source_key)
            .where(GraphEdge.source_key >= prefix, GraphEdge.source_key < _next_prefix(prefix))
            .limit(1)
        ).scalar_one_or_none()
        if found is not None:
            return found
    raise _not_found(code)


def make_view(
    viewer: Principal,
    catalog: Catalog,
    today: date,
    as_of: date | None,
    known_at: datetime | None,
) -> GraphView:
    if known_at is not None and not viewer.is_staff:
        raise PermissionDenied(STAFF_ONLY_HISTORY, 403 if viewer.authenticated else 401)
    return GraphView(catalog, viewer.audience, today, as_of or today, known_at, viewer)


class _Nodes:
    """Describes nodes, reveals persons' ID numbers only with a purpose, audits reveals."""

    def __init__(self, session: Session, viewer: Principal, purpose: str | None) -> None:
        self.session = session
        self.viewer = viewer
        self.purpose = purpose
        self.reveal = bool(purpose) and viewer.is_staff and may(viewer, "person.read")
        self.revealed: set[str] = set()

    def describe(self, keys: set[str], edges: list[Edge], root: str) -> dict[str, dict[str, Any]]:
        named = {e.source: e for e in sorted(edges, key=lambda e: e.id)}
        orgs = [k for k in keys if not k.startswith((PERSON_PREFIX, NAME_PREFIX))]
        persons = [k.removeprefix(PERSON_PREFIX) for k in keys if k.startswith(PERSON_PREFIX)]
        subjects = (
            {
                s.uscc: s
                for s in self.session.execute(
                    select(Subject).where(Subject.uscc.in_(orgs))
                ).scalars()
            }
            if orgs
            else {}
        )
        known_persons = (
            {
                s.person_hash: s
                for s in self.session.execute(
                    select(Subject).where(Subject.person_hash.in_(persons))
                ).scalars()
            }
            if persons
            else {}
        )
        protector = get_protector()
        shown: dict[str, dict[str, Any]] = {}
        for key in sorted(keys):
            edge = named.get(key)
            subject = subjects.get(key) or known_persons.get(key.removeprefix(PERSON_PREFIX))
            is_person = key.startswith(PERSON_PREFIX) or (
                edge is not None and edge.source_kind == NATURAL_PERSON
            )
            kind = (
                NATURAL_PERSON
                if is_person
                else (
                    subject.kind
                    if subject
                    else (edge.source_kind if edge else "other_organization")
                )
            )
            code: str | None = key if not key.startswith((PERSON_PREFIX, NAME_PREFIX)) else None
            if is_person:
                code = (
                    edge.source_masked if edge else (subject.person_id_masked if subject else None)
                )
                encrypted = (
                    edge.source_id_enc if edge else (subject.person_id_enc if subject else None)
                )
                if self.reveal and encrypted:
                    code = protector.decrypt(encrypted)
                    self.revealed.add(key)
            name = subject.name if subject is not None else (edge.source_name if edge else key)
            shown[key] = {
                "id": public_id(key),
                "kind": NATURAL_PERSON if is_person else "organization",
                "subject_kind": kind,
                "kind_label": KIND_LABELS.get(kind, kind),
                "name": name,
                "code": code,
                "root": key == root,
                "in_platform": subject is not None,
            }
        return shown

    def audit(self, root: str, what: str) -> None:
        if not self.revealed:
            return
        append_events(
            self.session,
            [
                Event(
                    self.viewer,
                    "person.read",
                    "subject",
                    public_id(key),
                    self.purpose,
                    {"via": what, "of": public_id(root)},
                )
                for key in sorted(self.revealed)
            ],
        )

    def note(self, persons_shown: bool) -> str | None:
        if persons_shown and self.viewer.is_staff and not self.reveal:
            return PURPOSE_REQUIRED
        return None


def _edge_out(edge: Edge, ratio: float | None, derived: bool) -> dict[str, Any]:
    return {
        "source": public_id(edge.source),
        "target": public_id(edge.target),
        "kind": edge.kind,
        "kind_label": EDGE_KINDS[edge.kind],
        "ratio": ratio,
        "ratio_derived": derived,
        "subscribed_wan": edge.subscribed_wan,
        "paid_wan": edge.paid_wan,
        "method": edge.method or None,
        "role": edge.role,
        "valid_from": edge.valid_from,
        "valid_to": edge.valid_to,
        "record_id": edge.record_id,
        "item": edge.item,
    }


def _effective_ratios(
    session: Session, view: GraphView, edges: list[Edge]
) -> dict[int, tuple[float | None, bool]]:
    missing = {e.target for e in edges if e.kind == HOLDING and e.ratio is None}
    totals = subscribed_totals(session, view, missing) if missing else {}
    found: dict[int, tuple[float | None, bool]] = {}
    for e in edges:
        total = totals.get(e.target)
        if e.ratio is None and e.subscribed_wan is not None and total:
            found[e.id] = (float(e.subscribed_wan / total), True)
        else:
            found[e.id] = (e.ratio, False)
    return found


def graph_answer(
    session: Session,
    viewer: Principal,
    code: str,
    view: GraphView,
    depth: int = DEFAULT_DEPTH,
    purpose: str | None = None,
) -> dict[str, Any]:
    """Nodes and edges within ``depth`` steps of the subject ``code``."""
    if is_market(viewer) and names_person(code):
        raise PermissionDenied(MARKET_PERSON)
    root = resolve_root(session, code, viewer.is_staff)
    edges, truncated = neighbourhood(session, view, root, min(depth, MAX_DEPTH), MAX_NODES)
    if not edges and view.audience is Audience.public and root.startswith(PERSON_PREFIX):
        raise _not_found(code)  # the public learns nothing of a person without public relations
    nodes = _Nodes(session, viewer, purpose)
    keys = {root} | {e.source for e in edges} | {e.target for e in edges}
    shown = nodes.describe(keys, edges, root)
    nodes.audit(root, "graph")
    ratios = _effective_ratios(session, view, edges)
    persons = any(n["kind"] == NATURAL_PERSON for n in shown.values())
    return {
        "subject": public_id(root),
        "depth": min(depth, MAX_DEPTH),
        "as_of": view.as_of,
        "known_at": view.known_at,
        "nodes": list(shown.values()),
        "edges": [_edge_out(e, *ratios[e.id]) for e in edges],
        "truncated": truncated,
        "purpose_required": nodes.note(persons),
    }


def _path_out(path: Path) -> dict[str, Any]:
    return {
        "nodes": [public_id(k) for k in path.nodes],
        "share": path.share,
        "records": list(path.records),
    }


def _holder_out(node: dict[str, Any], share: float, paths: list[Path]) -> dict[str, Any]:
    return {**node, "share": share, "paths": [_path_out(p) for p in paths[:PATHS_SHOWN]]}


def analyse_subject(
    session: Session, view: GraphView, root: str
) -> tuple[ControlResult, list[Edge]]:
    """The control analysis of ``root`` and the holding edges above it."""
    edges, truncated = upstream(session, view, root, CONTROL_LEVELS, CONTROL_NODES)
    missing = {e.target for e in edges if e.ratio is None}
    totals = subscribed_totals(session, view, missing) if missing else {}
    result = analyse(root, stakes_of(edges, totals))
    return replace(result, truncated=result.truncated or truncated), edges


def control_answer(
    session: Session,
    viewer: Principal,
    code: str,
    view: GraphView,
    purpose: str | None = None,
) -> dict[str, Any]:
    """Penetration, actual controller and beneficial owners of the organisation ``code``."""
    if is_market(viewer) and names_person(code):
        raise PermissionDenied(MARKET_PERSON)
    root = resolve_root(session, code, viewer.is_staff)
    if root.startswith((PERSON_PREFIX, NAME_PREFIX)):
        raise SubjectNotFound("自然人没有股权结构：控制分析只适用于组织")
    result, edges = analyse_subject(session, view, root)
    officers = load_edges(session, view, targets={root}, kinds=(OFFICER, LEGAL_REPRESENTATIVE))
    nodes = _Nodes(session, viewer, purpose)
    keys = {root} | {h.key for h in result.holders} | {e.source for e in officers}
    shown = nodes.describe(keys, [*edges, *officers], root)
    nodes.audit(root, "control")
    controller = None
    if result.controller is not None:
        c = result.controller
        controller = {
            **_holder_out(shown[c.key], c.share, c.paths),
            "votes": c.votes,
            "basis": c.basis,
            "reason": result.reason,
        }
    penetration = [
        {
            **_holder_out(shown[h.key], h.share, h.paths),
            "direct": h.direct,
            "ultimate": h.ultimate,
            "via_cycles": h.via_cycles,
        }
        for h in result.holders
    ]
    persons = any(n["kind"] == NATURAL_PERSON for n in shown.values())
    return {
        "subject": public_id(root),
        "name": shown[root]["name"],
        "as_of": view.as_of,
        "actual_controller": controller,
        "reason": result.reason,
        "beneficial_owners": _beneficial_owners(result, shown, officers),
        "penetration": penetration,
        "cycles": result.cycles,
        "converged": result.converged,
        "truncated": result.truncated,
        "purpose_required": nodes.note(persons),
    }


def _beneficial_owners(
    result: ControlResult, shown: dict[str, dict[str, Any]], officers: list[Edge]
) -> list[dict[str, Any]]:
    """Natural persons holding 25% or more after penetration, the natural person who controls;
    when there is none, those in charge of daily management (经理, else the legal
    representative)."""
    owners: dict[str, dict[str, Any]] = {}
    for h in result.holders:
        if shown[h.key]["kind"] == NATURAL_PERSON and h.share >= BENEFICIAL_THRESHOLD - 1e-12:
            owners[h.key] = {**_holder_out(shown[h.key], h.share, h.paths), "basis": "share"}
    c = result.controller
    if c is not None and shown[c.key]["kind"] == NATURAL_PERSON and c.key not in owners:
        owners[c.key] = {**_holder_out(shown[c.key], c.share, c.paths), "basis": "control"}
    if owners:
        return list(owners.values())
    managers = [e for e in officers if e.kind == OFFICER and e.role in MANAGERS]
    managers = managers or [e for e in officers if e.kind == LEGAL_REPRESENTATIVE]
    shares = {h.key: h.share for h in result.holders}
    return [
        {**_holder_out(shown[e.source], shares.get(e.source, 0.0), []), "basis": "management"}
        for e in {e.source: e for e in managers}.values()
    ]


def actual_controller(
    session: Session, code: str, catalog: Catalog, today: date
) -> dict[str, Any] | None:
    """The actual controller of an organisation as the public sees it (for its portal page);
    None for a person or when no one can be named."""
    viewer = Principal.anonymous()
    try:
        root = resolve_root(session, code)
        if root.startswith((PERSON_PREFIX, NAME_PREFIX)):
            return None
        answer = control_answer(
            session, viewer, code, make_view(viewer, catalog, today, None, None)
        )
    except SubjectNotFound:
        return None
    found: dict[str, Any] | None = answer["actual_controller"]
    return found
