"""Files holding personal data are readable by the platform's own user only: mode 0600 in
folders of mode 0700 the platform creates (whatever the umask)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import make_person_id, org, penalty_values, person, save_penalty
from penalty_files import good_row, write_csv
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.cli.main import cli
from xinyong.measures import bulk
from xinyong.privacy.files import private_dir, private_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The platform must not rely on the umask."""
    previous = os.umask(0o002)
    yield
    os.umask(previous)


def test_rejected_rows_file_is_private(db_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [good_row(0), good_row(1, 处罚决定日期="x")])
    folder = tmp_path / "rejected" / "batch"
    result = CliRunner().invoke(
        cli, ["ingest", "admin_penalty", str(path), "--rejected-dir", str(folder), "--json"]
    )
    assert result.exit_code == 0, result.output
    rejected = Path(json.loads(result.output)["rejected_file"])
    assert rejected.parent == folder and rejected.exists()
    assert _mode(rejected) == 0o600
    assert _mode(folder) == 0o700 and _mode(folder.parent) == 0o700


def test_bulk_check_input_and_result_are_private(
    session: Session, db_url: str, tmp_path: Path
) -> None:
    org(session)
    session.commit()
    upload = tmp_path / "upload.csv"
    upload.write_text(f"主体\n914405007080295548\n{make_person_id(5)}\n", encoding="utf-8")
    root = tmp_path / "data"
    job = bulk.start(root, upload)
    bulk.run(root, job, Actor("cli:test"), None, "GP", "批量核查测试")
    folder = bulk.job_dir(root, job)
    status = bulk.read_status(root, job)
    assert status is not None and status["state"] == "done", status
    for name in ("input.csv", "result.csv", "status.json"):
        assert _mode(folder / name) == 0o600, name
    for made in (folder, folder.parent, root):
        assert _mode(made) == 0o700, made


def test_export_is_private(session: Session, db_url: str, tmp_path: Path) -> None:
    resident_id = make_person_id(21)
    someone = person(session, resident_id)
    save_penalty(
        session,
        someone,
        penalty_values(
            someone, ["罚款"], date(2026, 5, 2), "X-2", fine_wan="0.1", resident_id=resident_id
        ),
    )
    session.commit()
    out = tmp_path / "export" / "penalties"
    for fmt in ("csv", "xlsx"):
        result = CliRunner().invoke(
            cli,
            ["publicity", "export", "admin_penalty", "--out", str(out), "--format", fmt, "--full"],
        )
        assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert {f.suffix for f in files} == {".csv", ".xlsx"}
    assert all(_mode(f) == 0o600 for f in files)
    assert _mode(out) == 0o700 and _mode(out.parent) == 0o700


def test_existing_folders_keep_their_mode_and_existing_files_become_private(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)
    made = private_dir(tmp_path / "a" / "b")
    assert _mode(tmp_path) == 0o755 and _mode(made) == _mode(made.parent) == 0o700
    old = tmp_path / "old.csv"
    old.write_text("x")
    old.chmod(0o644)
    private_file(old)
    assert _mode(old) == 0o600 and old.read_text() == ""
