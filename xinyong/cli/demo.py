from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta

import click

from xinyong.catalog.registry import get_catalog
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.db.migrate import upgrade
from xinyong.demo.city import DEFAULT_SUBJECTS, DEMO_PASSWORD, DEMO_USERS, DemoError, build_city
from xinyong.demo.lending import DEMO_SUBJECT_PASSWORD, DEMO_TOTP_SECRET, DemoLending, load_lending
from xinyong.settings import get_settings


@click.command(help="载入演示城市（合成数据）；只载入数据，不启动服务。")
@click.option(
    "--subjects", "count", type=int, default=DEFAULT_SUBJECTS, show_default=True, help="主体数量"
)
@click.option("--seed", type=int, default=20261122, show_default=True, help="随机种子")
def demo(count: int, seed: int) -> None:
    settings = get_settings()
    upgrade(settings.database_url)
    with ExitStack() as stack:

        def progress(label: str, total: int) -> Callable[[int], None]:
            bar = stack.enter_context(click.progressbar(length=total, label=label))
            return bar.update

        try:
            with session_scope() as session:
                result = build_city(
                    session, get_catalog(), settings.city_name, today(), count, seed, progress
                )
                lending = load_lending(session, get_catalog(), today(), seed)
        except DemoError as exc:
            click.echo(f"{exc}。")
            _print_logins()
            click.echo("企业、市民演示账号和银行密钥见首次载入时的输出（密码同上）。")
            return
    click.echo(
        f"演示城市“{settings.city_name}”已载入：{result.departments}个部门，"
        f"{result.subjects}个主体，{result.records}条信用记录，用时{result.seconds:.1f}秒"
    )
    _analyse(today())
    _print_logins()
    _print_lending(lending)


def _analyse(day: date) -> None:
    """What the nightly jobs would have left: grades under every model, the day's warnings
    and the last three months' monitoring indicators, so the screens have something to show."""
    from xinyong.cli.common import cli_actor
    from xinyong.evaluation.service import run_evaluation
    from xinyong.monitoring.compute import compute_month
    from xinyong.warning.detect import run_warnings

    actor = cli_actor()
    with session_scope() as session:
        graded = run_evaluation(session, actor, day)
        warned = run_warnings(session, day, actor)
        first = day.replace(day=1)
        for back in (3, 2, 1):
            month = (first - timedelta(days=28 * back)).strftime("%Y-%m")
            compute_month(session, actor, month)
    grades = sum(m["subjects"] for m in graded.models)
    click.echo(
        f"已按 {len(graded.models)} 个评价模型评价 {grades} 次，"
        f"生成信用预警 {warned.get('new', 0)} 条，计算近三个月城市信用监测指标"
    )


def _print_logins() -> None:
    users = "、".join(u for u, _, _ in DEMO_USERS)
    click.echo(f"工作人员登录：用户名 {users}，密码 {DEMO_PASSWORD}")


def _print_lending(lending: DemoLending) -> None:
    click.echo(
        f"企业登录（/me/login）：{lending.enterprise_name}，统一社会信用代码 "
        f"{lending.enterprise_uscc}，法定代表人身份证号码 {lending.representative_id}，"
        f"密码 {DEMO_SUBJECT_PASSWORD}，"
        f"动态验证码密钥（TOTP，录入身份验证器应用）{DEMO_TOTP_SECRET}"
    )
    click.echo(
        f"市民登录（/me/login?kind=citizen）：身份证号码 {lending.citizen_id}，"
        f"密码 {DEMO_SUBJECT_PASSWORD}"
    )
    for bank, key in lending.bank_keys:
        click.echo(f"{bank}信易贷密钥（X-API-Key，仅显示这一次）：{key}")
    click.echo(f"演示贷款申请 {lending.applications} 笔（已提交、已受理、已获贷、未获贷、已撤回）")
