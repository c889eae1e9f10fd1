"""``xinyong graph rebuild`` and ``xinyong graph control --out``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.cli.main import cli
from xinyong.clock import today
from xinyong.graph.models import GraphEdge
from xinyong.graph.service import control_answer, make_view
from xinyong.permissions.policy import Principal
from xinyong.privacy.ids import get_protector


def test_rebuild_and_control_of_every_organisation(demo_city: Session, tmp_path: Path) -> None:
    runner = CliRunner()
    rebuilt = runner.invoke(cli, ["graph", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "关联图谱已重建" in rebuilt.output
    out = tmp_path / "control.jsonl"
    result = runner.invoke(cli, ["graph", "control", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) > 100
    deepest = max(lines, key=lambda line: len(line["path"] or []))
    assert len(deepest["path"]) == 11 and deepest["basis"] == "control"
    assert deepest["actual_controller"].startswith("P")  # a person, by reference only
    text = out.read_text(encoding="utf-8")
    encrypted = demo_city.execute(
        select(GraphEdge.source_id_enc).where(GraphEdge.source_id_enc.is_not(None)).limit(200)
    ).scalars()
    protector = get_protector()
    numbers = {protector.decrypt(e) for e in encrypted}
    assert numbers and not any(n in text for n in numbers)  # persons by reference only
    assert "*" not in text
    # The same answer as the API gives for each organisation.
    staff = Principal("user:auditor", kind="user", role="auditor", credit_office=True)
    view = make_view(staff, get_catalog(), today(), None, None)
    for line in lines[:60]:
        answer = control_answer(demo_city, staff, line["subject"], view)
        controller = answer["actual_controller"]
        assert (controller["id"] if controller else None) == line["actual_controller"]
