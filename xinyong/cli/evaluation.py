"""``xinyong evaluation models|run|report`` and ``xinyong supervision sample``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.evaluation.registry import EvaluationModelError
from xinyong.evaluation.report import build_report
from xinyong.evaluation.service import EvaluationError, run_evaluation
from xinyong.evaluation.supervision import SupervisionError, draw
from xinyong.evaluation.views import models_view
from xinyong.subjects.views import KIND_LABELS


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
            report = run_evaluation(session, cli_actor(), day, [model] if model else None)
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


@evaluation.command(
    "report",
    help="评价验证：等级分布（按主体类别、地区）、逐月稳定性（PSI）、等级对后续严重失信的区分度"
    "（各等级结果发生率、AUC、KS），并输出 SVG 图。",
)
@click.option("--model", "model", required=True, help="评价模型代码")
@click.option("--as-of", "as_of", default=None, help="报告日 YYYY-MM-DD（默认今天）")
@click.option("--months", default=12, show_default=True, help="稳定性回看的月数")
@click.option("--out", "out", default=None, type=click.Path(), help="SVG 图的输出目录")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def report_command(
    model: str, as_of: str | None, months: int, out: str | None, as_json: bool
) -> None:
    day = _day(as_of)
    try:
        with session_scope() as session:
            found = build_report(
                session, cli_actor(), model, day, months, Path(out) if out else None
            )
    except EvaluationModelError as exc:
        fail(str(exc))
        return
    if as_json:
        echo_json(found.as_dict())
        return
    click.echo(f"{found.model}（{found.version}）报告日 {day.isoformat()}")
    click.echo("等级分布：" + "，".join(f"{g}级 {n}" for g, n in found.distribution.items()))
    for kind, grades in found.by_kind.items():
        click.echo(
            f"  {KIND_LABELS.get(kind, kind)}：" + "，".join(f"{g} {n}" for g, n in grades.items())
        )
    for entry in found.stability:
        shown = f"PSI {entry['psi']}" if "psi" in entry else "（基期）"
        click.echo(f"  {entry['month_end']}：{shown}")
    v = found.validation
    click.echo(
        f"区分度：以 {v['graded_on']} 的等级对照至 {v['outcome_until']} 的结果（{v['outcome']}）"
    )
    for row in v["by_grade"]:
        click.echo(
            f"  {row['grade']}级：{row['subjects']}个主体，{row['outcomes']}个发生，"
            f"{row['rate'] * 100:.1f}%"
        )
    click.echo(f"  AUC {v['auc']}，KS {v['ks']}")
    if found.chart:
        click.echo(f"图：{found.chart}")


@click.group(help="分级分类监管。")
def supervision() -> None:
    pass


@supervision.command(
    "sample", help="按等级抽取当月双随机抽查名单（各等级抽查比例见 supervision.yaml，可复现）。"
)
@click.option("--domain", required=True, help="监管领域，如 market_supervision")
@click.option("--month", required=True, help="月份 YYYY-MM")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def sample_command(domain: str, month: str, as_json: bool) -> None:
    try:
        with session_scope() as session:
            found = draw(session, cli_actor(), domain, month, today())
    except (SupervisionError, EvaluationModelError) as exc:
        fail(str(exc))
        return
    if as_json:
        echo_json(found.as_dict())
        return
    click.echo(f"{found.name}（{found.month}，按 {found.grades_on} 的 {found.model} 等级抽取）")
    click.echo(f"依据：{found.basis}")
    for s in found.strata:
        click.echo(
            f"  {s['grade']}级：{s['population']}个主体，比例 {s['ratio']:.0%}，抽取 {s['drawn']}"
        )
    for s in found.subjects:
        click.echo(f"{s['code']}\t{s['name']}\t{s['grade']}")
