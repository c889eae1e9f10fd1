from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

import click

from xinyong.catalog.registry import get_catalog
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.db.migrate import upgrade
from xinyong.demo.city import DEFAULT_SUBJECTS, DEMO_PASSWORD, DEMO_USERS, DemoError, build_city
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
        except DemoError as exc:
            click.echo(f"{exc}。")
            _print_logins()
            return
    click.echo(
        f"演示城市“{settings.city_name}”已载入：{result.departments}个部门，"
        f"{result.subjects}个主体，{result.records}条信用记录，用时{result.seconds:.1f}秒"
    )
    _print_logins()


def _print_logins() -> None:
    users = "、".join(u for u, _, _ in DEMO_USERS)
    click.echo(f"工作人员登录：用户名 {users}，密码 {DEMO_PASSWORD}")
