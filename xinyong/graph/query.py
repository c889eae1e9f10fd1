"""Reading the graph as a viewer may see it, on a date, as the platform knew it at a moment.

Two times answer "what did the graph look like on date D":

* ``as_of`` (a date): the relations in force on that day by their own dates (成为股东日期 to
  退出日期, 任职日期 to 离任日期); a relation without a start date has always held, one without
  an end date still holds.
* ``known_at`` (a moment, staff only): the record versions the platform held then
  (``recorded_at`` <= moment < ``superseded_at``) instead of the current ones, so a correction
  made later is not seen.

The public sees the relations of public catalog items whose records are public today
(``records.public``); staff see current active records their sharing rules allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import Catalog
from xinyong.db.bulk import among
from xinyong.graph.models import HOLDING, GraphEdge
from xinyong.permissions.policy import Audience, Principal
from xinyong.records.models import Record
from xinyong.records.public import public_condition
from xinyong.records.views import sharing_condition

IN_CHUNK = 2000
RECORD_CHUNK = 500


@dataclass(frozen=True)
class GraphView:
    """Who looks, and at which time."""

    catalog: Catalog
    audience: Audience
    today: date
    as_of: date
    known_at: datetime | None = None
    viewer: Principal | None = None

    @cached_property
    def records(self) -> ColumnElement[bool]:
        """``held``, built once per view."""
        return held(self)

    @cached_property
    def edges(self) -> ColumnElement[bool]:
        """``in_force``, built once per view."""
        return in_force(self)


@dataclass(frozen=True)
class Edge:
    id: int
    record_id: int
    item: str
    kind: str
    source: str
    source_kind: str
    source_name: str
    source_masked: str | None
    source_id_enc: str | None
    target: str
    target_id: int
    ratio: float | None
    subscribed_wan: Decimal | None
    paid_wan: Decimal | None
    method: str | None
    role: str | None
    controls: bool
    valid_from: date | None
    valid_to: date | None


_COLUMNS: list[Any] = [
    GraphEdge.id,
    GraphEdge.record_id,
    GraphEdge.item,
    GraphEdge.kind,
    GraphEdge.source_key,
    GraphEdge.source_kind,
    GraphEdge.source_name,
    GraphEdge.source_masked,
    GraphEdge.source_id_enc,
    GraphEdge.target_key,
    GraphEdge.target_id,
    GraphEdge.ratio,
    GraphEdge.subscribed_wan,
    GraphEdge.paid_wan,
    GraphEdge.method,
    GraphEdge.role,
    GraphEdge.controls,
    GraphEdge.valid_from,
    GraphEdge.valid_to,
]


def held(view: GraphView) -> ColumnElement[bool]:
    """The record versions ``view`` sees (a condition on records)."""
    if view.known_at is not None:
        condition = and_(
            Record.recorded_at <= view.known_at,
            or_(Record.superseded_at.is_(None), Record.superseded_at > view.known_at),
            Record.status == "active",
        )
    elif view.audience is Audience.public:
        condition = public_condition(view.catalog, view.today)
    else:
        condition = and_(
            Record.is_current.is_(True),
            Record.status == "active",
            sharing_condition(view.catalog, view.viewer),
        )
    if view.audience is Audience.public:
        condition = and_(condition, Record.item.in_(view.catalog.public_items))
    return condition


def in_force(view: GraphView) -> ColumnElement[bool]:
    """The relations in force on ``view.as_of`` by their own dates."""
    return and_(
        or_(GraphEdge.valid_from.is_(None), GraphEdge.valid_from <= view.as_of),
        or_(GraphEdge.valid_to.is_(None), GraphEdge.valid_to > view.as_of),
    )


def _chunks(keys: Iterable[Any], size: int = IN_CHUNK) -> Iterable[list[Any]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _visible_records(session: Session, view: GraphView, ids: set[int]) -> set[int]:
    """Which of the records behind some edges ``view`` sees. Asked apart from the edges, by
    primary key: joined, SQLite's planner starts from the records of the public items."""
    seen: set[int] = set()
    for chunk in _chunks(ids, RECORD_CHUNK):
        seen.update(
            session.execute(select(Record.id).where(Record.id.in_(chunk), view.records)).scalars()
        )
    return seen


def load_edges(
    session: Session,
    view: GraphView,
    *,
    sources: Iterable[str] = (),
    targets: Iterable[str] = (),
    kinds: tuple[str, ...] | None = None,
) -> list[Edge]:
    """The visible edges from any of ``sources`` or to any of ``targets``."""
    found: dict[int, Edge] = {}
    for column, keys in ((GraphEdge.source_key, sources), (GraphEdge.target_key, targets)):
        for chunk in _chunks(keys):
            statement = select(*_COLUMNS).where(among(session, column, chunk), view.edges)
            if kinds is not None:
                statement = statement.where(GraphEdge.kind.in_(kinds))
            for row in session.execute(statement).all():
                found[row[0]] = Edge(*row)
    shown = _visible_records(session, view, {e.record_id for e in found.values()})
    return sorted((e for e in found.values() if e.record_id in shown), key=lambda e: e.id)


def upstream(
    session: Session, view: GraphView, root: str, max_levels: int, max_nodes: int
) -> tuple[list[Edge], bool]:
    """Every holding edge above ``root`` (its holders, their holders ...), level by level;
    returns the edges and whether the walk stopped at a limit."""
    seen = {root}
    frontier = {root}
    edges: dict[int, Edge] = {}
    for _ in range(max_levels):
        found = load_edges(session, view, targets=frontier, kinds=(HOLDING,))
        for edge in found:
            edges[edge.id] = edge
        frontier = {e.source for e in found} - seen
        if not frontier:
            return list(edges.values()), False
        seen |= frontier
        if len(seen) > max_nodes:
            return list(edges.values()), True
    return list(edges.values()), bool(frontier)


def neighbourhood(
    session: Session, view: GraphView, root: str, depth: int, max_nodes: int
) -> tuple[list[Edge], bool]:
    """Edges within ``depth`` steps of ``root`` in either direction; whether it was cut."""
    seen = {root}
    frontier = {root}
    edges: dict[int, Edge] = {}
    for _ in range(depth):
        found = load_edges(session, view, sources=frontier, targets=frontier)
        reached: set[str] = set()
        for edge in found:
            if len(seen | reached | {edge.source, edge.target}) > max_nodes:
                return sorted(edges.values(), key=lambda e: e.id), True
            edges[edge.id] = edge
            reached |= {edge.source, edge.target}
        frontier = reached - seen
        seen |= reached
        if not frontier:
            break
    return sorted(edges.values(), key=lambda e: e.id), False


def subscribed_totals(
    session: Session, view: GraphView, targets: Iterable[str]
) -> dict[str, Decimal]:
    """For each target, the subscribed amounts of all its holdings in force in ``view``:
    what a holding without a stated ratio is divided by."""
    totals: dict[str, Decimal] = {}
    for edge in load_edges(session, view, targets=targets, kinds=(HOLDING,)):
        if edge.subscribed_wan is not None:
            totals[edge.target] = totals.get(edge.target, Decimal(0)) + edge.subscribed_wan
    return totals
