"""The relationship graph on the subject page, in a real browser at 375 px and at desktop
width: drawn from the graph API, persons masked, zoomable, a click on a node opens its page."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.ingest.pipeline import ingest_file

sys.path.insert(0, str(Path(__file__).parents[1] / "graph"))  # the graph tests' CSV rows
from graph_files import (
    COMPANY,
    PERSON_ID,
    company_name,
    holding_row,
    officer_row,
    write_rows,
)

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def group(session: Session, tmp_path: Path) -> None:
    for item, rows in (
        (
            "shareholder",
            [
                holding_row(0, company=1, ratio="60"),
                holding_row(0, person=0, ratio="40"),
                holding_row(1, person=1, ratio="100"),
            ],
        ),
        ("key_personnel", [officer_row(0, 0, "执行董事", legal=True)]),
    ):
        path = write_rows(tmp_path / f"{item}.csv", rows)
        ingest_file(session, item, path, actor=Actor("cli:test"), today=date(2026, 11, 22))
    session.commit()


def node_point(tab: Any, node_id: str) -> tuple[float, float]:
    """Where the node ``node_id`` is drawn, in page coordinates."""
    point: dict[str, float] = tab.evaluate(
        """id => {
            const box = document.getElementById("subject-graph").getBoundingClientRect();
            const at = window.subjectGraph.getElementById(id).renderedPosition();
            return {x: box.left + at.x, y: box.top + at.y};
        }""",
        node_id,
    )
    return point["x"], point["y"]


def open_graph(tab: Any, live_server: str, tmp_path: Path, name: str) -> list[str]:
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(f"{live_server}/subjects/{COMPANY[0]}")
    tab.wait_for_selector("#subject-graph[data-ready='yes']")
    tab.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    tab.locator("#subject-graph").scroll_into_view_if_needed()
    assert (tmp_path / f"{name}.png").stat().st_size > 0
    assert "4 个节点，5 条关系" in tab.locator("#subject-graph-status").inner_text()
    labels = tab.evaluate("window.subjectGraph.nodes().map(n => n.data('label'))")
    person = next(label for label in labels if label.startswith("股东0"))
    assert PERSON_ID[0] not in person and "*" in person, "persons are shown masked"
    assert PERSON_ID[0] not in tab.content()
    return errors


def test_the_graph_pans_zooms_and_opens_a_node_at_desktop_width(
    session: Session, live_server: str, page: Any, tmp_path: Path
) -> None:
    group(session, tmp_path)
    errors = open_graph(page, live_server, tmp_path, "graph-desktop")
    zoom = page.evaluate("window.subjectGraph.zoom()")
    box = page.locator("#subject-graph").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # the full-page screenshot stretched the viewport for a moment: measure the box again
    page.evaluate("window.subjectGraph.resize()")
    page.mouse.wheel(0, -300)
    page.wait_for_function("z => window.subjectGraph.zoom() > z", arg=zoom)
    pan = page.evaluate("window.subjectGraph.pan()")
    page.mouse.move(box["x"] + 8, box["y"] + 8)
    page.mouse.down()
    page.mouse.move(box["x"] + 80, box["y"] + 50, steps=5)
    page.mouse.up()
    moved = page.evaluate("window.subjectGraph.pan()")
    assert moved != pan, "dragging the background pans"
    page.mouse.click(*node_point(page, COMPANY[1]))
    page.wait_for_url(f"**/subjects/{COMPANY[1]}")
    assert page.get_by_role("heading", name=company_name(1)).is_visible()
    assert errors == []


def test_the_graph_fits_a_phone_and_a_tap_opens_a_node(
    session: Session, live_server: str, phone: Any, tmp_path: Path
) -> None:
    group(session, tmp_path)
    errors = open_graph(phone, live_server, tmp_path, "graph-375")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"no sideways scrolling at 375 px ({width})"
    graph = phone.locator("#subject-graph").bounding_box()
    assert graph["width"] <= 375 and graph["height"] >= 300
    phone.touchscreen.tap(*node_point(phone, COMPANY[1]))
    phone.wait_for_url(f"**/subjects/{COMPANY[1]}")
    assert errors == []
