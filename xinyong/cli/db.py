from __future__ import annotations

import click

from xinyong.db.engine import engine_for
from xinyong.db.migrate import current_revision, upgrade
from xinyong.privacy.keys import check_platform_key
from xinyong.settings import get_settings


@click.group(help="数据库：迁移与状态。")
def db() -> None:
    pass


@db.command("upgrade", help="把数据库迁移到最新版本。")
def db_upgrade() -> None:
    settings = get_settings()
    url = settings.database_url
    engine = engine_for(url)
    # The key first: a fresh database may get one, an existing one must have its own.
    check_platform_key(engine, settings, upgrading=True)
    upgrade(url)
    check_platform_key(engine, settings)  # records the fingerprint
    click.echo(f"数据库已是最新版本（{current_revision(url)}）")
