from __future__ import annotations

import click

from xinyong.cli.common import echo_json
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.jobs import JobReport, run_jobs


@click.group(help="定时任务。")
def jobs() -> None:
    pass


@jobs.command(
    "run",
    help="记录公示期届满（含名单有效期届满移出），列出超期的异议和修复申请，并写审计日志签名检查点。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def jobs_run(as_json: bool) -> None:
    with session_scope() as session:
        report = run_jobs(session, today())
    if as_json:
        echo_json(report.as_dict())
    else:
        _print(report)
    if report.checkpoint_error:
        raise click.ClickException(report.checkpoint_error)


def _print(report: JobReport) -> None:
    click.echo(f"公示期届满并已记录：{report.expired}条")
    for item, count in report.expired_by_item.items():
        click.echo(f"  {item}：{count}条")
    if report.regraded or report.evaluated:
        models = "、".join(report.evaluated) or "无"
        click.echo(f"公示期届满引起的等级变化：{report.regraded}个；周期评价：{models}")
    if report.overdue_objections:
        click.echo(f"超期未办结的异议：{'、'.join(report.overdue_objections)}")
    if report.overdue_repairs:
        click.echo(f"超期未审核的修复申请：{'、'.join(report.overdue_repairs)}")
    if report.classified:
        click.echo(f"行业和区县有变化的主体：{report.classified}个")
    if report.warnings.get("new"):
        by_rule = "、".join(f"{k} {v}条" for k, v in report.warnings["by_rule"].items())
        click.echo(f"新的信用预警：{report.warnings['new']}条（{by_rule}）")
    if report.monitoring_month:
        click.echo(f"已计算 {report.monitoring_month} 的城市信用监测指标")
    if report.checkpoint:
        click.echo(f"审计日志检查点：{report.checkpoint}")
