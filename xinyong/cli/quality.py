from __future__ import annotations

import click

from xinyong.cli.common import echo_json
from xinyong.db.engine import session_scope
from xinyong.ingest.quality import quality_report


@click.group(help="数据质量。")
def quality() -> None:
    pass


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@quality.command("report", help="各部门报送质量：接收率、错误类型、及时率、重错码。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def quality_report_command(as_json: bool) -> None:
    with session_scope() as session:
        report = quality_report(session)
    if as_json:
        echo_json([entry.as_dict() for entry in report])
        return
    if not report:
        click.echo("尚无报送批次")
        return
    for e in report:
        kinds = "、".join(f"{k}×{n}" for k, n in e.error_kinds.items()) or "无"
        click.echo(
            f"{e.department}：批次{e.batches}，{e.rows}行，接收率{_percent(e.acceptance_rate)}，"
            f"7个工作日内报送{_percent(e.share_timely)}，待处理重错码{e.open_code_conflicts}；"
            f"主要错误：{kinds}"
        )
