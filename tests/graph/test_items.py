"""The graph's catalog items follow the catalog like every other item: template, ingest,
versions, the public view with ID numbers masked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from graph_files import (
    COMPANY,
    PERSON_ID,
    change_row,
    holding_row,
    officer_row,
    report_row,
    write_rows,
)
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.cli.main import cli
from xinyong.ingest.pipeline import ingest_file
from xinyong.permissions.policy import Audience
from xinyong.privacy.ids import get_protector
from xinyong.records.models import Record
from xinyong.records.views import present_record

TODAY = date(2026, 11, 22)
ACTOR = Actor("cli:test")
ROWS = {
    "shareholder": lambda: [holding_row(0, person=0, ratio="60"), holding_row(0, company=1)],
    "key_personnel": lambda: [officer_row(0, 0, "执行董事", legal=True), officer_row(0, 1, "监事")],
    "registration_change": lambda: [change_row(0), change_row(1)],
    "annual_report": lambda: [report_row(0), report_row(0, 2024)],
}


@pytest.mark.parametrize("item", sorted(ROWS))
def test_a_csv_of_each_item_is_ingested_and_read_back(
    session: Session, tmp_path: Path, item: str
) -> None:
    path = write_rows(tmp_path / f"{item}.csv", ROWS[item]())
    result = ingest_file(session, item, path, actor=ACTOR, today=TODAY)
    session.commit()
    assert (result.accepted, result.rejected, result.new) == (2, 0, 2), result.as_dict()
    again = ingest_file(session, item, path, actor=ACTOR, today=TODAY)
    assert (again.unchanged, again.new) == (2, 0)  # the natural key makes a re-send a no-op
    records = session.execute(select(Record).where(Record.item == item)).scalars().all()
    catalog = get_catalog()
    shown = [present_record(r, catalog, Audience.public, get_protector()) for r in records]
    text = repr([r.stored_values for r in records])
    for number in PERSON_ID:
        assert number not in text  # encrypted at rest
        assert number not in repr(shown)  # masked in public


def test_a_changed_shareholder_row_becomes_a_new_version(session: Session, tmp_path: Path) -> None:
    first = write_rows(tmp_path / "a.csv", [holding_row(0, person=0, ratio="60")])
    ingest_file(session, "shareholder", first, actor=ACTOR, today=TODAY)
    second = write_rows(tmp_path / "b.csv", [holding_row(0, person=0, ratio="70")])
    result = ingest_file(session, "shareholder", second, actor=ACTOR, today=TODAY)
    assert result.updated == 1
    versions = session.execute(
        select(Record.version, Record.is_current).where(Record.item == "shareholder")
    ).all()
    assert sorted(versions) == [(1, False), (2, True)]


def test_a_person_shareholder_without_an_id_number_is_rejected(
    session: Session, tmp_path: Path
) -> None:
    row = holding_row(0, person=0) | {"股东证件号码": ""}
    result = ingest_file(
        session, "shareholder", write_rows(tmp_path / "x.csv", [row]), actor=ACTOR, today=TODAY
    )
    assert result.rejected == 1
    assert result.error_kinds


def test_a_company_shareholder_needs_its_code(session: Session, tmp_path: Path) -> None:
    row = holding_row(0, company=1) | {"股东统一社会信用代码": ""}
    result = ingest_file(
        session, "shareholder", write_rows(tmp_path / "x.csv", [row]), actor=ACTOR, today=TODAY
    )
    assert result.rejected == 1


@pytest.mark.parametrize("item", sorted(ROWS))
def test_the_department_template_of_each_item(tmp_path: Path, item: str) -> None:
    target = tmp_path / f"{item}.xlsx"
    result = CliRunner().invoke(cli, ["catalog", "template", item, "--out", str(target)])
    assert result.exit_code == 0, result.output
    headers = [c.value for c in load_workbook(target).worksheets[0][1]]
    assert headers == [f.header for f in get_catalog().item(item).fields]


def test_codes_are_valid() -> None:
    from xinyong.identifiers.check import check_code

    assert all(check_code(c).valid for c in COMPANY + PERSON_ID)
