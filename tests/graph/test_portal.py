"""The subject page shows 股东信息 and 变更信息 as the Shantou report does, and the actual
controller."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from graph_files import COMPANY, PERSON_ID, change_row, holding_row, write_rows
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.ingest.pipeline import ingest_file


def test_shareholders_changes_and_the_controller_on_the_subject_page(
    client, session: Session, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    for item, rows in (
        (
            "shareholder",
            [holding_row(0, person=0, ratio="70"), holding_row(0, company=1, ratio="30")],
        ),
        ("registration_change", [change_row(0)]),
    ):
        path = write_rows(tmp_path / f"{item}.csv", rows)
        ingest_file(session, item, path, actor=Actor("cli:test"), today=date(2026, 11, 22))
    session.commit()
    page = client.get(f"/subjects/{COMPANY[0]}")
    assert page.status_code == 200
    text = page.text
    assert "股东信息（2）" in text and "变更信息（1）" in text
    assert "认缴出资比例" in text and "70%" in text and "股东变更" in text
    assert "实际控制人</dt><dd>股东0（穿透持股 70.00%）" in text
    assert PERSON_ID[0] not in text
