from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner
from helpers import AUTHORITY, org, penalty_values, save_penalty
from sqlalchemy.orm import Session

from xinyong.cli.main import cli


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_matters_publish_on_arrival_and_repair_notice(session: Session, db_url: str) -> None:
    assert (
        invoke("departments", "create", "--uscc", AUTHORITY, "--name", "示范市市场监督管理局")[0]
        == 0
    )
    code, out = invoke(
        "publicity",
        "matter-add",
        "--department",
        AUTHORITY,
        "--kind",
        "penalty",
        "--code",
        "CF-001",
        "--name",
        "对未明码标价的处罚",
        "--basis",
        "《中华人民共和国价格法》第四十二条",
    )
    assert code == 0, out
    code, out = invoke("publicity", "matters")
    assert "CF-001" in out and "价格法" in out
    code, out = invoke(
        "publicity",
        "matter-add",
        "--department",
        AUTHORITY,
        "--kind",
        "penalty",
        "--code",
        "CF-002",
        "--name",
        "无依据的事项",
        "--basis",
        " ",
    )
    assert code != 0 and "设定依据" in out
    code, out = invoke("departments", "set", "--uscc", AUTHORITY, "--publish-on-arrival")
    assert code == 0 and "载入即公示" in out
    subject = org(session)
    record = save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 5, 1), "示市监罚〔2026〕9号", fine_wan="0.2"),
    )
    session.commit()
    code, out = invoke("repair", "notice", str(record.record.id))
    assert code == 0 and "信用修复告知书" in out and "示市监罚〔2026〕9号" in out
    assert "2026-08-01" in out  # general tier under Order 36: repair after 3 months
    code, out = invoke("publicity", "stats")
    assert code == 0 and "按时公示率" in out


def test_ingest_names_each_flagged_row(db_url: str, tmp_path: Path) -> None:
    """The clerk learns which rows to check: a 150万 fine sent as 10万 is named by row."""
    from penalty_files import good_row, write_csv

    flagged = good_row(1, 处罚内容="罚款人民币150万元", **{"罚款金额（万元）": "10"})
    path = write_csv(tmp_path / "p.csv", [good_row(0), flagged])
    result = CliRunner().invoke(cli, ["ingest", "admin_penalty", str(path)])
    assert result.exit_code == 0, result.output
    assert "1行已接收但需核对" in result.output
    named = "第3行：罚款金额（万元）（CF_NR_FK）：金额100000元与处罚内容中的1500000元不一致"
    assert named in result.output
