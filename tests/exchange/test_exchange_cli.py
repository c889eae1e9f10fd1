"""The exchange and integrity commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import BUREAU, org, save_arrears
from sqlalchemy.orm import Session
from test_upward import FRIDAY, _recognised

from xinyong.cli.main import cli
from xinyong.settings import reset_settings


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_EXCHANGE_NATION_URL", f"file://{tmp_path / 'inbox'}")
    monkeypatch.setenv("XINYONG_TODAY", "2026-02-24")
    reset_settings()
    yield tmp_path
    reset_settings()


def test_build_send_receipt_and_overdue_from_the_command_line(
    session: Session, db_url: str, folders: Path
) -> None:
    _recognised(session, FRIDAY)
    runner = CliRunner()
    built = runner.invoke(cli, ["exchange", "build", "--target", "nation"])
    assert built.exit_code == 0, built.output
    assert "已生成交换包 NATION-20260224-0001：1行（名单认定1条）" in built.output
    assert "NATION-20260224-0001：已送达" in built.output
    assert (folders / "inbox" / "NATION-20260224-0001.zip").exists()
    late = runner.invoke(cli, ["exchange", "overdue", "--as-of", "2026-03-06", "--json"])
    assert late.exit_code == 0 and json.loads(late.output)[0]["overdue_days"] == 1
    wrong = folders / "wrong.csv"
    wrong.write_text("包编号,行号,结果\nNATION-20260224-0001,2,接收\n", encoding="utf-8")
    refused = runner.invoke(cli, ["exchange", "receipt", str(wrong)])
    assert refused.exit_code != 0 and "行号“2”不在交换包" in refused.output
    good = folders / "good.csv"
    good.write_text("包编号,行号,结果,原因\nNATION-20260224-0001,1,接收,\n", encoding="utf-8")
    done = runner.invoke(cli, ["exchange", "receipt", str(good)])
    assert done.exit_code == 0 and "接收1行，退回0行，已全部回执" in done.output
    nothing = runner.invoke(cli, ["exchange", "build", "--target", "nation"])
    assert "没有待报送的数据" in nothing.output
    unknown = runner.invoke(cli, ["exchange", "build", "--target", "moon"])
    assert unknown.exit_code != 0 and "报送目标“moon”不存在" in unknown.output


def test_government_arrears_from_the_command_line(
    session: Session, db_url: str, folders: Path
) -> None:
    body = org(session, BUREAU, "示范市某某局")
    save_arrears(session, body, contract="HT-7", overdue_from="2026-02-01", unpaid="200000")
    shown = CliRunner().invoke(cli, ["integrity", "arrears"])
    assert shown.exit_code == 0, shown.output
    assert (
        "示范市某某局：合同1个，未清偿1个，逾期1个，未付200,000.00元，清偿进度75%，最长逾期24日"
        in (shown.output)
    )
