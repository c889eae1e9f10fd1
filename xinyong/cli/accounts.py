from __future__ import annotations

import click

from xinyong.accounts.roles import API_SCOPES, ROLES
from xinyong.accounts.service import (
    AccountError,
    create_api_key,
    create_department,
    create_user,
    get_department,
)
from xinyong.audit.log import record_event
from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.db.engine import session_scope


@click.group(help="工作人员账号。")
def users() -> None:
    pass


@users.command("create", help="创建工作人员账号。")
@click.option("--username", required=True, help="登录名")
@click.option("--role", required=True, type=click.Choice(sorted(ROLES)), help="角色")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="密码（至少8位；不给出时交互输入）",
)
@click.option("--name", "display_name", default=None, help="姓名")
@click.option("--department", default=None, help="所属部门的统一社会信用代码")
def users_create(
    username: str, role: str, password: str, display_name: str | None, department: str | None
) -> None:
    try:
        with session_scope() as session:
            dept = get_department(session, department) if department else None
            user = create_user(session, cli_actor(), username, password, role, display_name, dept)
            click.echo(f"已创建账号 {user.username}（{ROLES[role]}）")
    except AccountError as exc:
        fail(str(exc))


@click.group(help="外部系统 API 密钥。")
def apikeys() -> None:
    pass


@apikeys.command("create", help="签发 API 密钥（只显示一次）。")
@click.option("--department", default=None, help="所属部门统一社会信用代码；不给出时属于信用办")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(sorted(API_SCOPES)),
    help="权限范围，可重复",
)
@click.option("--label", default=None, help="用途说明")
@click.option("--json", "as_json", is_flag=True, help='以 JSON 输出 {"key": ...}')
def apikeys_create(
    department: str | None, scopes: tuple[str, ...], label: str | None, as_json: bool
) -> None:
    try:
        with session_scope() as session:
            dept = get_department(session, department) if department else None
            issued = create_api_key(session, cli_actor(), list(scopes), dept, label)
            if as_json:
                echo_json(
                    {
                        "key": issued.key,
                        "prefix": issued.record.prefix,
                        "scopes": issued.record.scopes,
                    }
                )
            else:
                click.echo(f"API 密钥（请妥善保存，仅显示一次）：{issued.key}")
    except AccountError as exc:
        fail(str(exc))


@click.group(help="部门（数据来源单位）。")
def departments() -> None:
    pass


@departments.command("create", help="登记部门。")
@click.option("--uscc", required=True, help="部门统一社会信用代码")
@click.option("--name", required=True, help="部门名称")
@click.option("--credit-office", is_flag=True, help="该部门为信用办（平台运营单位）")
def departments_create(uscc: str, name: str, credit_office: bool) -> None:
    try:
        with session_scope() as session:
            dept = create_department(
                session, cli_actor(), uscc, name, is_credit_office=credit_office
            )
            click.echo(f"已登记部门 {dept.name}（{dept.uscc}）")
    except AccountError as exc:
        fail(str(exc))


@departments.command("set", help="修改部门设置。")
@click.option("--uscc", required=True, help="部门统一社会信用代码")
@click.option(
    "--publish-on-arrival/--review-here",
    default=None,
    help="部门已在自身系统审核：双公示数据载入即公示（或改回在本平台审核）",
)
def departments_set(uscc: str, publish_on_arrival: bool | None) -> None:
    try:
        with session_scope() as session:
            dept = get_department(session, uscc)
            if publish_on_arrival is not None:
                dept.publish_on_arrival = publish_on_arrival
                record_event(
                    session,
                    cli_actor(),
                    "department.update",
                    "department",
                    dept.id,
                    detail={"publish_on_arrival": publish_on_arrival},
                )
            mode = "载入即公示" if dept.publish_on_arrival else "在本平台审核后公示"
            click.echo(f"{dept.name}：{mode}")
    except AccountError as exc:
        fail(str(exc))
