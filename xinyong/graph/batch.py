"""Control analysis of every organisation at once (``xinyong graph control --all``)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.graph.control import ControlResult, Stake, analyse_indexed, index, stakes_of
from xinyong.graph.models import HOLDING, GraphEdge
from xinyong.graph.query import _COLUMNS, Edge, GraphView
from xinyong.graph.service import public_id
from xinyong.records.models import Record


def visible_holdings(session: Session, view: GraphView) -> list[Edge]:
    """Every holding edge ``view`` sees (two passes over the tables, no lookup per edge)."""
    shown = set(
        session.execute(
            select(Record.id).where(Record.item == "shareholder", view.records)
        ).scalars()
    )
    rows = session.execute(select(*_COLUMNS).where(GraphEdge.kind == HOLDING, view.edges)).all()
    return [Edge(*row) for row in rows if row.record_id in shown]


def holdings_and_stakes(
    session: Session, view: GraphView
) -> tuple[list[Edge], dict[str, dict[str, Stake]]]:
    """Every visible holding edge and the stakes they make, by company and holder."""
    edges = visible_holdings(session, view)
    totals: dict[str, Decimal] = {}
    for edge in edges:
        if edge.subscribed_wan is not None:
            totals[edge.target] = totals.get(edge.target, Decimal(0)) + edge.subscribed_wan
    return edges, index(stakes_of(edges, totals))


def results(holders_of: dict[str, dict[str, Stake]]) -> Iterator[ControlResult]:
    """The control analysis of every organisation with holders, in code order."""
    for target in sorted(holders_of):
        yield analyse_indexed(target, holders_of)


def analyse_all(session: Session, view: GraphView) -> Iterator[dict[str, Any]]:
    """For every organisation with holders: its actual controller and why (persons by their
    ``P…`` reference, never their ID numbers)."""
    _, holders_of = holdings_and_stakes(session, view)
    for result in results(holders_of):
        target = result.target
        c = result.controller
        yield {
            "subject": public_id(target),
            "actual_controller": public_id(c.key) if c else None,
            "share": c.share if c else None,
            "votes": c.votes if c else None,
            "basis": c.basis if c else None,
            "path": [public_id(k) for k in c.paths[0].nodes] if c and c.paths else None,
            "reason": result.reason,
            "cycles": result.cycles,
        }
