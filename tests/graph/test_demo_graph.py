"""The demo city's ownership: groups, a ten-level chain, a cross-holding, a partnership."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.graph.models import GraphEdge
from xinyong.graph.service import control_answer, make_view
from xinyong.permissions.policy import Principal
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

PUBLIC = Principal.anonymous()


def _answers(session: Session) -> list[dict[str, Any]]:
    view = make_view(PUBLIC, get_catalog(), date(2026, 11, 22), None, None)
    held = select(GraphEdge.target_key).where(GraphEdge.kind == "holding").distinct()
    return [control_answer(session, PUBLIC, code, view) for code in session.execute(held).scalars()]


def test_the_demo_city_has_ownership_records_and_a_graph(demo_city: Session) -> None:
    counts = dict(demo_city.execute(select(Record.item, func.count()).group_by(Record.item)).all())
    assert min(counts[i] for i in ("shareholder", "key_personnel", "annual_report")) > 100
    assert counts["registration_change"] > 10
    edges = demo_city.execute(select(func.count()).select_from(GraphEdge)).scalar_one()
    assert edges > counts["shareholder"] + counts["key_personnel"]  # plus legal representatives


def test_the_actual_controller_of_the_deepest_demo_group_member(demo_city: Session) -> None:
    answers = _answers(demo_city)
    deepest = max(
        (a for a in answers if a["actual_controller"]),
        key=lambda a: len(a["actual_controller"]["paths"][0]["nodes"]),
    )
    controller = deepest["actual_controller"]
    chain = controller["paths"][0]
    assert len(chain["nodes"]) == 11  # a person, then ten levels of companies
    assert controller["kind"] == "natural_person" and controller["basis"] == "control"
    assert abs(controller["share"] - chain["share"]) < 1e-9
    assert "*" in controller["code"]  # masked in public
    assert any(a["cycles"] for a in answers)  # the cross-holding
    partnerships = [a for a in answers if a["name"].endswith("（有限合伙）")]
    assert partnerships and all(
        a["actual_controller"]["basis"] == "general_partner" for a in partnerships
    )
    names = {s.name for s in demo_city.execute(select(Subject)).scalars()}
    assert deepest["name"] in names
