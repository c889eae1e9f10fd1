"""``xinyong subject-accounts``: open the own-page accounts of enterprises and citizens."""

from __future__ import annotations

import click

from xinyong.cli.common import cli_actor, fail
from xinyong.db.engine import session_scope
from xinyong.selfservice.signin import (
    SignInError,
    create_citizen_account,
    create_enterprise_account,
)

PASSWORD = click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="初始密码（至少8位；不给出时交互输入）",
)


@click.group("subject-accounts", help="企业和市民的本人账号（/me 登录）。")
def subject_accounts() -> None:
    pass


@subject_accounts.command("enterprise", help="为企业开通账号；显示一次动态验证码密钥。")
@click.option("--uscc", required=True, help="企业统一社会信用代码（须在主体库中）")
@click.option("--representative", required=True, help="法定代表人姓名（须与主体库一致）")
@click.option("--representative-id", required=True, help="法定代表人身份证号码（仅存摘要）")
@PASSWORD
def enterprise(uscc: str, representative: str, representative_id: str, password: str) -> None:
    try:
        with session_scope() as session:
            made = create_enterprise_account(
                session, cli_actor(), uscc, representative, representative_id, password
            )
            click.echo(f"已为 {made.account.login} 开通企业账号")
            click.echo(f"动态验证码密钥（仅显示这一次）：{made.totp_secret}")
            click.echo(f"身份验证器应用的链接：{made.provisioning_uri}")
    except SignInError as exc:
        fail(str(exc))


@subject_accounts.command("citizen", help="为市民开通账号（身份证号码仅存摘要）。")
@click.option("--resident-id", required=True, help="身份证号码")
@click.option("--name", required=True, help="姓名")
@PASSWORD
def citizen(resident_id: str, name: str, password: str) -> None:
    try:
        with session_scope() as session:
            account = create_citizen_account(session, cli_actor(), resident_id, name, password)
            click.echo(f"已开通市民账号（账号编号 {account.id}）")
    except SignInError as exc:
        fail(str(exc))
