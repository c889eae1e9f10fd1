"""``xinyong backup DIR`` and ``xinyong restore DIR`` (``xinyong.ops.backup``)."""

from __future__ import annotations

from pathlib import Path

import click

from xinyong.audit.log import record_event
from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.db.engine import get_engine, session_scope
from xinyong.ops.backup import BackupError, backup, restore
from xinyong.settings import get_settings, reset_settings


@click.command(
    "backup", help="备份数据库、加密的平台密钥与审计检查点到新目录 DIR（服务可照常运行）。"
)
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出备份清单")
def backup_command(directory: Path, as_json: bool) -> None:
    settings = get_settings()
    if not settings.backup_passphrase:
        fail("未设置 XINYONG_BACKUP_PASSPHRASE：备份中的平台密钥必须加密保存，请设置备份口令后重试")
    with session_scope(get_engine()) as session:  # the backup itself is in the log it copies
        record_event(session, cli_actor(), "ops.backup", "backup", str(directory.resolve()))
    try:
        manifest = backup(settings, directory)
    except BackupError as exc:
        fail(str(exc))
    if as_json:
        echo_json(manifest)
        return
    counts = manifest["counts"]
    click.echo(
        f"已备份到 {directory}：记录 {counts.get('records', 0)} 条，"
        f"主体 {counts.get('subjects', 0)} 个，审计条目至 #{manifest['audit_head']['seq']}，"
        f"迁移版本 {manifest['revision']}"
    )
    click.echo(f"记录摘要 {manifest['records_digest'][:16]}…；平台密钥已用备份口令加密保存")


@click.command("restore", help="从备份目录 DIR 恢复数据库、平台密钥与审计检查点，并逐项核对。")
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--replace", is_flag=True, help="覆盖已有的数据库与密钥文件")
def restore_command(directory: Path, replace: bool) -> None:
    settings = get_settings()
    try:
        restored = restore(settings, directory, replace=replace)
    except BackupError as exc:
        fail(str(exc))
    reset_settings()
    with session_scope(get_engine()) as session:
        detail = {"backup_created_at": restored.manifest["created_at"]}
        record_event(session, cli_actor(), "ops.restore", "backup", str(directory), detail=detail)
    counts = restored.checked["counts"]
    click.echo(
        f"已恢复 {directory}：记录 {counts.get('records', 0)} 条，记录摘要一致；"
        f"审计日志 {restored.audit_entries} 条，哈希链与检查点校验通过"
    )
