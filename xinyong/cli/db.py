from __future__ import annotations

import click

from xinyong.db.migrate import current_revision, upgrade
from xinyong.settings import get_settings


@click.group(help="数据库：迁移与状态。")
def db() -> None:
    pass


@db.command("upgrade", help="把数据库迁移到最新版本。")
def db_upgrade() -> None:
    url = get_settings().database_url
    upgrade(url)
    click.echo(f"数据库已是最新版本（{current_revision(url)}）")
