from __future__ import annotations

import click

from xinyong.audit.log import verify_chain
from xinyong.db.engine import session_scope


@click.group(help="审计日志。")
def audit() -> None:
    pass


@audit.command("verify", help="校验审计日志哈希链，发现被篡改或删除的条目。")
def audit_verify() -> None:
    with session_scope() as session:
        count, problems = verify_chain(session)
    if problems:
        for problem in problems:
            click.echo(f"✗ {problem.message}", err=True)
        raise click.ClickException(f"审计日志校验失败：{len(problems)}处问题（共{count}条）")
    click.echo(f"✓ 审计日志完整：共{count}条，哈希链校验通过")
