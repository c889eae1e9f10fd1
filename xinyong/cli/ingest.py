from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import click

from xinyong.accounts.service import AccountError, get_department
from xinyong.catalog.registry import CatalogError
from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.db.engine import session_scope
from xinyong.ingest.pipeline import IngestResult, ingest_file
from xinyong.ingest.readers import ReadError, estimate_rows
from xinyong.ingest.watch import watch_folder

SUMMARY_KEYS = (
    "batch_id",
    "item",
    "total",
    "accepted",
    "fixed",
    "rejected",
    "new",
    "updated",
    "unchanged",
    "rejected_file",
    "duration_s",
)


class IngestGroup(click.Group):
    """``xinyong ingest ITEM FILE`` is short for ``xinyong ingest file ITEM FILE``."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "file", self.commands["file"], args
        return super().resolve_command(ctx, args)


@click.group(
    cls=IngestGroup,
    help="数据汇聚：校验、清洗、关联并载入报送文件。用法：xinyong ingest ITEM FILE，"
    "或 xinyong ingest watch DIR。",
)
def ingest() -> None:
    pass


def print_result(result: IngestResult) -> None:
    click.echo(
        f"批次 {result.batch_id}（{result.item}）：共{result.total}行，"
        f"接收{result.accepted}行（其中修正{result.fixed}行），退回{result.rejected}行；"
        f"新增{result.new}，更新{result.updated}，未变化{result.unchanged}；"
        f"用时{result.duration_s:.1f}秒"
    )
    for note in result.notes:
        click.echo(f"  注意：{note}")
    if result.code_conflicts:
        click.echo(f"  发现{result.code_conflicts}起重错码，已进入数据质量队列")
    if result.flagged:
        click.echo(f"  {result.flagged}行已接收但需核对（如罚款金额与处罚内容不一致）：")
        for flag in result.flags[:20]:
            click.echo(f"    第{flag['row']}行：{flag['reason']}")
        if result.flagged > 20:
            click.echo(f"    另有{result.flagged - 20}行，见 --json 输出的 flags")
    if result.rejected_file:
        click.echo(f"  退回数据及错误说明：{result.rejected_file}")


def run_file(
    item: str,
    path: Path,
    department: str | None,
    publish: bool,
    rejected_dir: Path | None,
    progress: Callable[[int], None] | None,
) -> IngestResult:
    with session_scope() as session:
        dept = get_department(session, department) if department else None
        return ingest_file(
            session,
            item,
            path,
            actor=cli_actor(),
            department=dept,
            publish=publish,
            rejected_dir=rejected_dir,
            progress=progress,
        )


@ingest.command("file", help="载入一个报送文件（CSV、XLSX 或 JSON Lines）。")
@click.argument("item")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--department", default=None, help="报送部门统一社会信用代码")
@click.option("--publish", is_flag=True, help="双公示数据随载入直接公示（部门已在本系统外审核）")
@click.option(
    "--rejected-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="退回文件存放目录（默认与输入文件同目录）",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果")
def ingest_file_command(
    item: str,
    path: Path,
    department: str | None,
    publish: bool,
    rejected_dir: Path | None,
    as_json: bool,
) -> None:
    try:
        with ExitStack() as stack:
            progress = None
            if not as_json:
                bar = stack.enter_context(
                    click.progressbar(length=estimate_rows(path), label=f"载入 {path.name}")
                )
                progress = bar.update
            result = run_file(item, path, department, publish, rejected_dir, progress)
    except (CatalogError, ReadError, AccountError) as exc:
        fail(str(exc))
        return
    if as_json:
        echo_json({k: getattr(result, k) for k in SUMMARY_KEYS} | result.as_dict())
    else:
        print_result(result)


@ingest.command("watch", help="监视投递目录：DIR/<目录项>/ 下的新文件自动载入。")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--department", default=None, help="报送部门统一社会信用代码")
@click.option("--interval", type=float, default=5.0, show_default=True, help="轮询间隔（秒）")
@click.option("--once", is_flag=True, help="只处理当前已有的文件后退出")
def ingest_watch(folder: Path, department: str | None, interval: float, once: bool) -> None:
    if department:
        try:
            with session_scope() as session:
                get_department(session, department)
        except AccountError as exc:
            fail(str(exc))

    def handle(item: str, path: Path) -> IngestResult:
        return run_file(item, path, department, False, None, None)

    watch_folder(
        folder,
        handle,
        interval=interval,
        once=once,
        report=print_result,
        warn=lambda msg: click.echo(msg, err=True),
    )
