"""``xinyong exchange``: upward packages, receipts, deadlines and downward list files;
``xinyong integrity arrears``: government arrears."""

from __future__ import annotations

from pathlib import Path

import click

from xinyong.accounts.service import AccountError, get_department
from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.clock import today, utcnow
from xinyong.db.engine import session_scope
from xinyong.exchange.downward import SOURCES, DownwardError, import_list, read_list_file
from xinyong.exchange.packages import build_package, describe_sections
from xinyong.exchange.queue import overdue
from xinyong.exchange.receipts import ReceiptError, import_receipt
from xinyong.exchange.targets import TargetError, targets
from xinyong.exchange.transport import SendResult, send_due
from xinyong.integrity.arrears import government_arrears
from xinyong.settings import get_settings


def _echo_sent(sent: list[SendResult]) -> None:
    for s in sent:
        click.echo(f"{s.number}：" + ("已送达" if s.delivered else f"发送失败，将重试：{s.error}"))


@click.group(help="与国家、省平台的数据交换：上报交换包、回执、报送期限，下发名单导入。")
def exchange() -> None:
    pass


@exchange.command("build", help="生成交换包（含全部待报送数据），并立即发送到期的交换包。")
@click.option("--target", "code", required=True, help="报送目标：" + "、".join(targets()))
@click.option("--no-send", is_flag=True, help="只生成，不发送")
def build(code: str, no_send: bool) -> None:
    data_dir = get_settings().data_dir
    try:
        with session_scope() as session:
            package = build_package(session, cli_actor(), code, today(), data_dir)
            if package is None:
                click.echo("没有待报送的数据")
            else:
                summary = describe_sections(package)
                click.echo(f"已生成交换包 {package.number}：{package.rows}行（{summary}）")
                click.echo(f"SHA-256 {package.sha256}")
            sent = [] if no_send else send_due(session, cli_actor(), utcnow(), data_dir, code)
    except TargetError as exc:
        fail(str(exc))
        return
    _echo_sent(sent)


@exchange.command("send", help="发送已生成和待重试（重试时间已到）的交换包。")
@click.option("--target", "code", default=None, help="只发送该目标的交换包")
def send(code: str | None) -> None:
    with session_scope() as session:
        sent = send_due(session, cli_actor(), utcnow(), get_settings().data_dir, code)
    if not sent:
        click.echo("没有需要发送的交换包")
    _echo_sent(sent)


@exchange.command("receipt", help="导入上级平台的回执文件（CSV：包编号,行号,结果,原因；或 JSON）。")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def receipt(path: Path) -> None:
    try:
        with session_scope() as session:
            result = import_receipt(
                session, cli_actor(), path.read_text(encoding="utf-8-sig"), utcnow()
            )
    except ReceiptError as exc:
        fail(str(exc))
        return
    state = "，已全部回执" if result.acknowledged else ""
    click.echo(f"{result.package}：接收{result.accepted}行，退回{result.rejected}行{state}")


@exchange.command("overdue", help="超过报送期限仍未被接收的数据（双公示7个、名单10个工作日）。")
@click.option("--target", "code", default=None)
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def overdue_command(code: str | None, as_of: object, as_json: bool) -> None:
    day = as_of.date() if as_of is not None else today()  # type: ignore[attr-defined]
    try:
        with session_scope() as session:
            found = overdue(session, cli_actor(), day, code)
    except TargetError as exc:
        fail(str(exc))
        return
    if as_json:
        echo_json([r.as_dict() for r in found])
        return
    if not found:
        click.echo("没有超期的数据")
    for r in found:
        click.echo(
            f"{r.target_name} {r.kind_label} {r.department or ''} 期限{r.due} "
            f"超期{r.overdue_days}个工作日（{r.state_label}）"
        )


@exchange.command(
    "import-list", help="导入国家、省或外市名单文件，与本地主体比对并生成联合奖惩任务。"
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "list_code", required=True, help="名单类型，如 dishonest_judgment_debtor")
@click.option("--source", type=click.Choice(list(SOURCES)), required=True)
@click.option("--initiator", required=True, help="发起部门统一社会信用代码（一般为信用办）")
def import_list_command(path: Path, list_code: str, source: str, initiator: str) -> None:
    try:
        with session_scope() as session:
            department = get_department(session, initiator)
            result = import_list(
                session,
                cli_actor(),
                department,
                list_code,
                read_list_file(path),
                source=source,
                source_name=path.name,
                today=today(),
                rejected_dir=get_settings().data_dir / "rejected",
            )
    except (DownwardError, AccountError) as exc:
        fail(str(exc))
        return
    click.echo(
        f"共{result.total}行：本地主体{result.local}行（新增或变更{result.loaded}，未变{result.unchanged}，"
        f"退回{result.rejected}），非本地{result.not_local}行；"
        f"为{result.subjects}个主体生成联合奖惩任务{result.tasks}项"
    )


@click.group(help="政务诚信。")
def integrity() -> None:
    pass


@integrity.command("arrears", help="政府机构拖欠企业账款：金额、账龄和清偿进度。")
@click.option("--body", default=None, help="机关的统一社会信用代码或名称的一部分")
@click.option("--open-only", is_flag=True, help="只看未清偿的")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def arrears(body: str | None, open_only: bool, as_json: bool) -> None:
    with session_scope() as session:
        view = government_arrears(session, cli_actor(), today(), body=body, open_only=open_only)
    if as_json:
        echo_json(view.as_dict())
        return
    click.echo(f"截至{view.as_of}：应付{view.payable:,.2f}元，未付{view.unpaid:,.2f}元")
    for b in view.bodies:
        click.echo(
            f"{b.body}：合同{b.contracts}个，未清偿{b.open_contracts}个，逾期{b.overdue_contracts}个，"
            f"未付{b.unpaid:,.2f}元，清偿进度{b.progress * 100:.0f}%，"
            f"最长逾期{b.oldest_days if b.oldest_days is not None else 0}日"
        )
