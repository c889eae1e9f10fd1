from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from xinyong.accounts.models import Department
from xinyong.accounts.service import AccountError, get_department
from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.publicity.export import ExportError, export_published
from xinyong.publicity.lifecycle import statistics
from xinyong.publicity.matters import KINDS, MatterError, add_matter, matters


@click.group(help="双公示：统计与向上级报送。")
def publicity() -> None:
    pass


@publicity.command("stats", help="各部门双公示统计：7个工作日内公示率、超期清单。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def publicity_stats(as_json: bool) -> None:
    with session_scope() as session:
        report = statistics(session, today())
    if as_json:
        echo_json([e.as_dict() for e in report])
        return
    for e in report:
        share = "—" if e.share_in_time is None else f"{e.share_in_time * 100:.1f}%"
        states = "，".join(f"{k}{v}" for k, v in sorted(e.by_state.items()))
        click.echo(
            f"{e.department}：共{e.decided}条（{states}），按时公示率{share}，"
            f"超期未公示{len(e.overdue)}条"
        )


@publicity.command(
    "export", help="导出已公示的双公示数据（全国标准字段代码表头），默认仅导出上次之后的增量。"
)
@click.argument("item", type=click.Choice(["admin_license", "admin_penalty"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--full", is_flag=True, help="全量导出（忽略上次导出位置）")
def publicity_export(item: str, fmt: str, out: Path, full: bool) -> None:
    try:
        with session_scope() as session:
            result = export_published(session, cli_actor(), item, fmt, out, full)
    except ExportError as exc:
        fail(str(exc))
        return
    if result.path is None:
        click.echo("没有新的已公示数据需要导出")
    else:
        click.echo(f"已导出{result.rows}条：{result.path}")


@publicity.command("matter-add", help="登记部门的行政许可或行政处罚事项。")
@click.option("--department", required=True, help="部门统一社会信用代码")
@click.option("--kind", type=click.Choice(["license", "penalty"]), required=True)
@click.option("--code", required=True, help="事项编码")
@click.option("--name", required=True, help="事项名称")
@click.option("--basis", required=True, help="设定依据")
def matter_add(department: str, kind: str, code: str, name: str, basis: str) -> None:
    try:
        with session_scope() as session:
            dept = get_department(session, department)
            add_matter(session, cli_actor(), dept, kind, code, name, basis)
    except (MatterError, AccountError) as exc:
        fail(str(exc))
    click.echo(f"已登记{KINDS[kind]}事项 {code} {name}")


@publicity.command("matters", help="列出各部门的双公示事项。")
def matter_list() -> None:
    with session_scope() as session:
        names = {d.id: d.name for d in session.execute(select(Department)).scalars()}
        for m in matters(session):
            click.echo(
                f"{m.code}  {KINDS[m.kind]}  {m.name}（{names.get(m.department_id)}；"
                f"依据：{m.legal_basis}）"
            )
