"""``xinyong evaluation ...`` and ``xinyong supervision ...``."""

from __future__ import annotations

from datetime import date

import click

from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.evaluation.registry import EvaluationModelError
from xinyong.evaluation.service import EvaluationError, run_evaluation
from xinyong.evaluation.views import models_view


def _day(value: str | None) -> date:
    if value is None:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"日期“{value}”无效，应为 YYYY-MM-DD")
        raise


@click.group(help="公共信用综合评价：评价模型、全量评价、验证报告。")
def evaluation() -> None:
    pass


@evaluation.command("models", help="评价模型及其版本、适用主体、等级和指标数。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def models_command(as_json: bool) -> None:
    try:
        found = models_view()
    except EvaluationModelError as exc:
        fail(str(exc))
        return
    if as_json:
        echo_json(found)
        return
    for m in found:
        grades = "、".join(g["grade"] for g in m["grades"])
        public = "公开" if m["grades_public"] else "不公开"
        click.echo(
            f"{m['code']}（{m['version']}）{m['name']}：等级 {grades}，{m['indicators']}项指标，"
            f"{m['vetoes']}项一票否决，自{m['effective_from']}起，等级{public}"
        )


@evaluation.command(
    "run", help="按在用的评价模型对全部适用主体评价一次（一次向量化计算），保存等级和变化记录。"
)
@click.option("--model", "model", default=None, help="只按此模型评价（默认全部在用模型）")
@click.option("--as-of", "as_of", default=None, help="评价日 YYYY-MM-DD（默认今天）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def run_command(model: str | None, as_of: str | None, as_json: bool) -> None:
    day = _day(as_of)
    try:
        with session_scope() as session:
            report = run_evaluation(session, cli_actor(), day, model)
    except (EvaluationError, EvaluationModelError) as exc:
        fail(str(exc))
        return
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(f"评价日 {day.isoformat()}，用时 {report.seconds} 秒；等级变化 {report.changed}")
    if report.skipped:
        click.echo(f"{report.skipped}个评价结果已有更晚评价日的结果，未覆盖")
    for entry in report.models:
        grades = "，".join(f"{g}级 {n}" for g, n in entry["grades"].items())
        click.echo(f"{entry['model']}（{entry['version']}）：{entry['subjects']}个主体；{grades}")
