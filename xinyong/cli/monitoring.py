"""``xinyong monitoring`` (city credit monitoring), ``xinyong warnings`` (the warning run) and
``xinyong subjects classify`` (industry and district)."""

from __future__ import annotations

from datetime import date

import click

from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.monitoring.compute import MonitoringError, compute_month
from xinyong.subjects.classify import classify_subjects
from xinyong.warning.detect import run_warnings


@click.group(help="城市信用状况监测预警指标。")
def monitoring() -> None:
    pass


def _shown(value: float | None, kind: str) -> str:
    if value is None:
        return "—（无可计算数据）"
    return f"{value * 100:.2f}%" if kind in ("ratio", "sum_ratio") else f"{value:g}"


@monitoring.command(
    "compute", help="计算某月的全部监测指标，保存数值和计入的行，并为下降的指标生成跟进任务。"
)
@click.option("--month", required=True, help="月份，YYYY-MM")
@click.option("--indicator", "indicators", multiple=True, help="只计算这些指标（代码，可重复）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def monitoring_compute(month: str, indicators: tuple[str, ...], as_json: bool) -> None:
    try:
        with session_scope() as session:
            report = compute_month(session, cli_actor(), month, list(indicators) or None)
    except MonitoringError as exc:
        fail(str(exc))
        return
    if as_json:
        echo_json(report)
        return
    click.echo(
        f"{report['month']} 城市信用监测指标（{report['version']} 版），用时 {report['seconds']} 秒"
    )
    for row in report["indicators"]:
        mark = {True: "，达标", False: "，未达标", None: ""}[row["meets_target"]]
        click.echo(
            f"  {row['name']}：{_shown(row['value'], row['kind'])}"
            f"（{row['numerator']}/{row['denominator']}{mark}）"
        )
    click.echo(f"新生成跟进任务：{report['followups_opened']}个")


@click.group(help="信用预警。")
def warnings() -> None:
    pass


@warnings.command(
    "run", help="每日预警：到期许可、逾期年报、最短公示期届满、等级下降、行业和区域异常。"
)
@click.option("--day", default=None, help="按哪一天运行（YYYY-MM-DD，默认今天）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def warnings_run(day: str | None, as_json: bool) -> None:
    try:
        when = date.fromisoformat(day) if day else today()
    except ValueError:
        fail(f"日期（--day）“{day}”不是 YYYY-MM-DD 格式")
        return
    with session_scope() as session:
        report = run_warnings(session, when, cli_actor())
    if as_json:
        echo_json(report)
        return
    click.echo(f"新的信用预警：{report['new']}条（规则版本 {report['rules_version']}）")
    for rule, count in report["by_rule"].items():
        click.echo(f"  {rule}：{count}条")


@click.group(help="主体库。")
def subjects() -> None:
    pass


@subjects.command("classify", help="按登记信息设置主体的行业（GB/T 4754）和区县。")
def subjects_classify() -> None:
    with session_scope() as session:
        report = classify_subjects(session)
    click.echo(
        f"主体 {report.subjects} 个，行业或区县有变化 {report.changed} 个，"
        f"行业代码不符合 GB/T 4754 的登记记录 {report.invalid_industry} 条"
    )
