from __future__ import annotations

from pathlib import Path

import click

from xinyong.audit.checkpoints import CheckpointError, verify_with_checkpoints, write_checkpoint
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.settings import get_settings


@click.group(help="审计日志。")
def audit() -> None:
    pass


@audit.command(
    "verify",
    help="用平台密钥校验审计日志哈希链，并与检查点逐一核对，发现被篡改、删除或截断的条目。",
)
@click.option(
    "--checkpoints",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="检查点目录（默认 XINYONG_AUDIT_CHECKPOINT_DIR）",
)
def audit_verify(directory: Path | None) -> None:
    if directory is not None and not directory.is_dir():
        raise click.ClickException(f"检查点目录 {directory} 不存在")
    folder = directory or get_settings().audit_checkpoint_dir
    with session_scope() as session:
        checked = verify_with_checkpoints(session, folder)
    log = checked.log
    for note in log.notes:
        click.echo(f"⚠ {note}")
    if checked.problems:
        for problem in checked.problems:
            click.echo(f"✗ {problem.message}", err=True)
        raise click.ClickException(
            f"审计日志校验失败：{len(checked.problems)}处问题（共{log.count}条）"
        )
    click.echo(f"✓ 审计日志完整：共{log.count}条，密钥哈希链校验通过")
    if checked.checkpoints:
        latest = checked.checkpoints[-1]
        click.echo(
            f"✓ 与{len(checked.checkpoints)}个检查点一致"
            f"（最近：{latest.date}，#{latest.seq}；目录 {folder}）"
        )
    else:
        click.echo(
            f"⚠ 目录 {folder} 中没有检查点：无法发现整段删除或截断（xinyong audit checkpoint）"
        )


@audit.command("checkpoint", help="校验后为审计日志当前末尾写一个签名检查点（保存在数据库之外）。")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="检查点目录（默认 XINYONG_AUDIT_CHECKPOINT_DIR）",
)
def audit_checkpoint(directory: Path | None) -> None:
    folder = directory or get_settings().audit_checkpoint_dir
    try:
        with session_scope() as session:
            checkpoint, path = write_checkpoint(session, folder, today())
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"✓ 已写入检查点：#{checkpoint.seq}（{checkpoint.date}）→ {path}")
