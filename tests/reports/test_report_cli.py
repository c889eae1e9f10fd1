"""``xinyong reports``: issue to a private file, statistics, revoke; verify against another
platform's certificate fails."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from helpers import org
from sqlalchemy.orm import Session

from xinyong.cli.main import cli
from xinyong.reports.signing import _certificate, signing_key


def test_issue_stats_revoke_and_a_foreign_certificate(
    session: Session, db_url: str, tmp_path: Path
) -> None:
    subject = org(session)
    session.commit()
    runner = CliRunner()
    out = tmp_path / "r.pdf"
    done = runner.invoke(
        cli,
        ["reports", "issue", "--code", subject.uscc or "", "--purpose", "审查", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    issued = json.loads(done.output)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    checked = runner.invoke(cli, ["reports", "verify", "--json", str(out)])
    assert checked.exit_code == 0 and json.loads(checked.output)["number"] == issued["number"]
    # A certificate of another platform key does not vouch for the report.
    other = tmp_path / "other.crt"
    key = signing_key(b"another-platform-key")
    other.write_bytes(_certificate(key, "别市").public_bytes(serialization.Encoding.PEM))
    foreign = runner.invoke(cli, ["reports", "verify", "--cert", str(other), str(out)])
    assert foreign.exit_code == 1 and "无效" in foreign.output
    stats = runner.invoke(cli, ["reports", "stats"])
    assert json.loads(stats.output)["by_kind"] == {"organisation": 1}
    revoked = runner.invoke(cli, ["reports", "revoke", issued["number"], "--reason", "重出"])
    assert revoked.exit_code == 0 and "已撤销" in revoked.output
    again = runner.invoke(cli, ["reports", "revoke", issued["number"], "--reason", "重出"])
    assert again.exit_code == 1 and "该报告已于" in again.output
    assert json.loads(runner.invoke(cli, ["reports", "stats"]).output)["revoked"] == 1
