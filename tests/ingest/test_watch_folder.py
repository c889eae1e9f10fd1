"""The drop folder: `xinyong ingest watch DIR --once` loads DIR/<item>/ files, then files them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from penalty_files import AUTHORITY, HEADERS, good_row, write_csv, write_xlsx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department
from xinyong.audit.log import Actor
from xinyong.cli.main import cli
from xinyong.ingest.models import Batch
from xinyong.records.models import Record


def _watch_once(folder: Path) -> Result:
    return CliRunner().invoke(cli, ["ingest", "watch", str(folder), "--once"])


def _penalty_count(session: Session) -> int:
    session.expire_all()
    query = select(func.count()).select_from(Record).where(Record.item == "admin_penalty")
    return int(session.execute(query).scalar_one())


def _drop(folder: Path, item: str) -> Path:
    target = folder / item
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_csv_in_the_item_folder_is_loaded_and_moved_to_processed(
    session: Session, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    rows = [good_row(n) for n in range(4)] + [good_row(4, 处罚决定日期="2026-02-30")]
    write_csv(_drop(drop, "admin_penalty") / "march.csv", rows, headers=HEADERS)

    result = _watch_once(drop)

    assert result.exit_code == 0, result.output
    assert "共5行" in result.output and "退回1行" in result.output
    assert _penalty_count(session) == 4
    item_dir = drop / "admin_penalty"
    assert not (item_dir / "march.csv").exists()
    processed = item_dir / "processed"
    assert (processed / "march.csv").exists()
    summary = json.loads((processed / "march.csv.result.json").read_text("utf-8"))
    assert (summary["total"], summary["accepted"], summary["rejected"]) == (5, 4, 1)
    assert (summary["new"], summary["updated"], summary["unchanged"]) == (4, 0, 0)
    assert summary["item"] == "admin_penalty"
    assert Path(summary["rejected_file"]) == processed / "march.rejected.csv"
    assert "错误说明" in (processed / "march.rejected.csv").read_text("utf-8-sig")


def test_processed_files_are_not_loaded_twice(session: Session, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    write_csv(_drop(drop, "admin_penalty") / "march.csv", [good_row(0)], headers=HEADERS)
    assert _watch_once(drop).exit_code == 0

    second = _watch_once(drop)

    assert second.exit_code == 0
    assert "批次" not in second.output
    assert session.execute(select(func.count()).select_from(Batch)).scalar_one() == 1


def test_records_belong_to_the_registered_source_department(
    session: Session, tmp_path: Path
) -> None:
    bureau = create_department(
        session, Actor("cli:test", "local"), AUTHORITY, "示范市市场监督管理局"
    )
    session.commit()
    drop = tmp_path / "drop"
    write_csv(_drop(drop, "admin_penalty") / "march.csv", [good_row(0)], headers=HEADERS)

    assert _watch_once(drop).exit_code == 0

    session.expire_all()
    departments = session.execute(select(Record.department_id)).scalars().all()
    assert departments == [bureau.id]


def test_folder_that_is_not_a_catalog_item_is_reported_and_left_alone(
    session: Session, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    stray = write_csv(_drop(drop, "not_an_item") / "march.csv", [good_row(0)], headers=HEADERS)

    result = _watch_once(drop)

    assert result.exit_code == 0
    assert "not_an_item" in result.stderr and "不是目录项代码" in result.stderr
    assert "march.csv" in result.stderr
    assert stray.exists()
    assert not (drop / "not_an_item" / "processed").exists()
    assert _penalty_count(session) == 0


def test_file_of_an_unsupported_type_is_ignored(session: Session, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    item_dir = _drop(drop, "admin_penalty")
    letter = item_dir / "cover-letter.docx"
    letter.write_bytes(b"PK\x03\x04 not really a Word file")

    result = _watch_once(drop)

    assert result.exit_code == 0
    assert letter.exists()
    assert not (item_dir / "processed").exists() and not (item_dir / "failed").exists()


def test_corrupt_excel_file_goes_to_failed_with_the_reason(
    session: Session, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    item_dir = _drop(drop, "admin_penalty")
    (item_dir / "broken.xlsx").write_bytes(b"this is not a zip archive at all")
    write_xlsx(item_dir / "good.xlsx", [good_row(0), good_row(1)])

    result = _watch_once(drop)

    assert result.exit_code == 0
    assert not (item_dir / "broken.xlsx").exists()
    assert (item_dir / "failed" / "broken.xlsx").exists()
    reason = (item_dir / "failed" / "broken.xlsx.error.txt").read_text("utf-8")
    assert "Excel 文件无法打开" in reason
    assert "broken.xlsx" in result.stderr and "载入失败" in result.stderr
    # the bad file does not stop the good one next to it
    assert (item_dir / "processed" / "good.xlsx").exists()
    assert _penalty_count(session) == 2
