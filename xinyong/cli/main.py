"""Entry point: ``xinyong COMMAND``. Every command uses XINYONG_DATABASE_URL."""

from __future__ import annotations

from typing import Any

import click

from xinyong import __version__
from xinyong.cli import (
    accounts,
    audit,
    backup,
    catalog,
    codes,
    db,
    demo,
    evaluation,
    exchange,
    feeds,
    graph,
    ingest,
    jobs,
    monitoring,
    publicity,
    quality,
    repair,
    reports,
    selfservice,
    serve,
)
from xinyong.settings import PlatformKeyError


class _Cli(click.Group):
    """Refusals about the platform key end the command with their Chinese message."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlatformKeyError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(
    cls=_Cli, help="信用 xinyong：公共信用信息平台命令行。数据库由 XINYONG_DATABASE_URL 指定。"
)
@click.version_option(__version__, prog_name="xinyong")
def cli() -> None:
    pass


cli.add_command(db.db)
cli.add_command(backup.backup_command)
cli.add_command(backup.restore_command)
cli.add_command(catalog.catalog)
cli.add_command(codes.codes)
cli.add_command(demo.demo)
cli.add_command(evaluation.evaluation)
cli.add_command(evaluation.supervision)
cli.add_command(exchange.exchange)
cli.add_command(exchange.integrity)
cli.add_command(serve.serve)
cli.add_command(accounts.users)
cli.add_command(accounts.apikeys)
cli.add_command(accounts.consumers)
cli.add_command(feeds.feeds)
cli.add_command(graph.graph)
cli.add_command(accounts.departments)
cli.add_command(audit.audit)
cli.add_command(ingest.ingest)
cli.add_command(quality.quality)
cli.add_command(jobs.jobs)
cli.add_command(monitoring.monitoring)
cli.add_command(monitoring.warnings)
cli.add_command(monitoring.subjects)
cli.add_command(publicity.publicity)
cli.add_command(repair.repair)
cli.add_command(reports.reports)
cli.add_command(selfservice.subject_accounts)


if __name__ == "__main__":
    cli()
