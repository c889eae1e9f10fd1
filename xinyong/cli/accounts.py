from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta

import click
from sqlalchemy.orm import Session

from xinyong.accounts.keys import (
    list_api_keys,
    revoke_api_key,
    rotate_api_key,
    set_key_limits,
    suspend_api_key,
)
from xinyong.accounts.models import CONSUMER_KINDS, ApiKey, Department
from xinyong.accounts.roles import API_SCOPES, ROLES
from xinyong.accounts.service import (
    AccountError,
    create_api_key,
    create_department,
    create_user,
    get_department,
)
from xinyong.audit.log import record_event
from xinyong.catalog.registry import CatalogError, get_catalog
from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.db.engine import session_scope
from xinyong.gateway.consumers import (
    create_consumer,
    get_consumer,
    list_consumers,
    review_consumer,
)


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
@click.option("--consumer", type=int, default=None, help="接入方编号（银行、信用服务机构等）")
@click.option("--json", "as_json", is_flag=True, help='以 JSON 输出 {"key": ...}')
def apikeys_create(
    department: str | None,
    scopes: tuple[str, ...],
    label: str | None,
    consumer: int | None,
    as_json: bool,
) -> None:
    try:
        with session_scope() as session:
            dept = get_department(session, department) if department else None
            if consumer is not None:
                get_consumer(session, consumer)
            issued = create_api_key(session, cli_actor(), list(scopes), dept, label, consumer)
            if as_json:
                echo_json(
                    {
                        "key": issued.key,
                        "id": issued.record.id,
                        "prefix": issued.record.prefix,
                        "scopes": issued.record.scopes,
                    }
                )
            else:
                click.echo(f"API 密钥（请妥善保存，仅显示一次）：{issued.key}")
    except AccountError as exc:
        fail(str(exc))


@apikeys.command("list", help="列出 API 密钥（编号、前缀、部门、权限范围、最近使用、吊销时间）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def apikeys_list(as_json: bool) -> None:
    with session_scope() as session:
        keys = list_api_keys(session, cli_actor())
    if as_json:
        echo_json([asdict(k) for k in keys])
        return
    for k in keys:
        state = (
            f"已吊销 {k.revoked_at:%Y-%m-%d %H:%M}"
            if k.revoked_at
            else f"已暂停 {k.suspended_at:%Y-%m-%d %H:%M}"
            if k.suspended_at
            else "有效"
        )
        used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "从未使用"
        click.echo(
            f"{k.id}\t{k.prefix}…\t{k.department}\t{'、'.join(k.scopes)}\t{state}\t最近使用：{used}"
        )


@apikeys.command("revoke", help="吊销 API 密钥（按编号或前缀）；各服务器在60秒内停止接受。")
@click.argument("key_id")
def apikeys_revoke(key_id: str) -> None:
    try:
        with session_scope() as session:
            key = revoke_api_key(session, cli_actor(), key_id)
            click.echo(f"已吊销 API 密钥 {key.id}（{key.prefix}…），60秒内在所有服务器上失效")
    except AccountError as exc:
        fail(str(exc))


@apikeys.command("suspend", help="暂停 API 密钥（1秒内各服务器拒绝，直至 resume）。")
@click.argument("key_id")
def apikeys_suspend(key_id: str) -> None:
    _key_change(lambda s: suspend_api_key(s, cli_actor(), key_id, True), "已暂停")


@apikeys.command("resume", help="恢复已暂停的 API 密钥。")
@click.argument("key_id")
def apikeys_resume(key_id: str) -> None:
    _key_change(lambda s: suspend_api_key(s, cli_actor(), key_id, False), "已恢复")


@apikeys.command("limits", help="设置 API 密钥的调用配额与有效期（0 取消配额）。")
@click.argument("key_id")
@click.option("--per-minute", type=click.IntRange(min=0), default=None, help="每分钟调用次数上限")
@click.option("--per-day", type=click.IntRange(min=0), default=None, help="每日调用次数上限")
@click.option(
    "--expires", type=click.DateTime(["%Y-%m-%d"]), default=None, help="有效期至（当日0时失效）"
)
@click.option("--family", default=None, help="只限某类接口（如 checks、subjects、feeds）")
def apikeys_limits(
    key_id: str,
    per_minute: int | None,
    per_day: int | None,
    expires: datetime | None,
    family: str | None,
) -> None:
    _key_change(
        lambda s: set_key_limits(
            s,
            cli_actor(),
            key_id,
            per_minute=per_minute,
            per_day=per_day,
            expires_at=expires,
            family=family,
        ),
        "已更新配额与有效期",
    )


@apikeys.command("rotate", help="轮换 API 密钥：签发新密钥，旧密钥在过渡期后失效。")
@click.argument("key_id")
@click.option(
    "--overlap-hours", type=click.IntRange(min=0), default=24, help="新旧密钥并存的小时数"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def apikeys_rotate(key_id: str, overlap_hours: int, as_json: bool) -> None:
    try:
        with session_scope() as session:
            new, old = rotate_api_key(session, cli_actor(), key_id, timedelta(hours=overlap_hours))
            if as_json:
                echo_json({"key": new.key, "id": new.record.id, "old_expires_at": old.expires_at})
            else:
                click.echo(f"新 API 密钥（仅显示一次）：{new.key}")
                click.echo(f"旧密钥 {old.prefix}… 于 {old.expires_at:%Y-%m-%d %H:%M} 失效")
    except AccountError as exc:
        fail(str(exc))


def _key_change(change: Callable[[Session], ApiKey], done: str) -> None:
    try:
        with session_scope() as session:
            key = change(session)
            click.echo(f"API 密钥 {key.id}（{key.prefix}…）{done}")
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
    help="部门已在自身系统审核：所列目录项（--item）载入即公示（或改回在本平台审核）",
)
@click.option(
    "--item",
    "items",
    multiple=True,
    help="目录项编码，可重复；不给出时为全部双公示目录项（行政许可、行政处罚）",
)
def departments_set(uscc: str, publish_on_arrival: bool | None, items: tuple[str, ...]) -> None:
    try:
        with session_scope() as session:
            dept = get_department(session, uscc)
            if publish_on_arrival is not None:
                dept.publish_items = _publish_items(dept, publish_on_arrival, items)
                record_event(
                    session,
                    cli_actor(),
                    "department.update",
                    "department",
                    dept.id,
                    detail={"publish_items": dept.publish_items},
                )
            granted = "、".join(dept.publish_items or [])
            mode = f"载入即公示（{granted}）" if granted else "在本平台审核后公示"
            click.echo(f"{dept.name}：{mode}")
    except AccountError as exc:
        fail(str(exc))


def _publish_items(dept: Department, grant: bool, items: tuple[str, ...]) -> list[str]:
    catalog = get_catalog()
    chosen = list(items) or [
        c for c, i in catalog.items.items() if i.publicity.requires_publication
    ]
    for code in chosen:
        try:
            item = catalog.item(code)
        except CatalogError as exc:
            raise AccountError(str(exc)) from exc
        if not item.publicity.requires_publication:
            raise AccountError(f"目录项“{code}”不需要审核公示，无须设置载入即公示")
    current = set(dept.publish_items or [])
    return sorted(current | set(chosen) if grant else current - set(chosen))


@click.group(help="接口接入方（部门系统、银行、信用服务机构、其他政务系统）。")
def consumers() -> None:
    pass


@consumers.command(
    "create", help="登记接入方：类型、联系人、法律依据或协议、可读目录项、IP 白名单、有效期。"
)
@click.option("--name", required=True, help="接入方名称")
@click.option("--kind", required=True, type=click.Choice(sorted(CONSUMER_KINDS)), help="类型")
@click.option("--code", default=None, help="统一社会信用代码")
@click.option("--contact", required=True, help="联系人及电话")
@click.option("--basis", required=True, help="接入的法律依据或协议")
@click.option(
    "--item", "items", multiple=True, help="可读目录项，可重复；不给出时为其类型可读的全部"
)
@click.option("--ip", "ips", multiple=True, help="允许的来源地址或网段，可重复")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="有效期至")
def consumers_create(
    name: str,
    kind: str,
    code: str | None,
    contact: str,
    basis: str,
    items: tuple[str, ...],
    ips: tuple[str, ...],
    until: datetime | None,
) -> None:
    try:
        with session_scope() as session:
            consumer = create_consumer(
                session,
                cli_actor(),
                name=name,
                kind=kind,
                code=code,
                contact=contact,
                legal_basis=basis,
                items=list(items) or None,
                ip_allowlist=list(ips) or None,
                valid_until=until.date() if until else None,
            )
            click.echo(f"已登记接入方 {consumer.id}：{consumer.name}（{CONSUMER_KINDS[kind]}）")
    except AccountError as exc:
        fail(str(exc))


@consumers.command("list", help="列出接入方。")
def consumers_list() -> None:
    with session_scope() as session:
        for c in list_consumers(session, cli_actor()):
            items = "、".join(c.items) if c.items else "按类型全部"
            state = {"applied": "待审核", "approved": "已批准", "rejected": "已退回"}[c.state]
            click.echo(
                f"{c.id}\t{c.name}\t{CONSUMER_KINDS[c.kind]}\t{state}\t{items}\t{c.legal_basis}"
            )


@consumers.command("apply", help="申请接口接入（待信用办审核）：办理事项、可读目录项、法律依据。")
@click.option("--name", required=True, help="接入方名称")
@click.option("--kind", required=True, type=click.Choice(sorted(CONSUMER_KINDS)), help="类型")
@click.option("--contact", required=True, help="联系人及电话")
@click.option("--basis", required=True, help="接入的法律依据或协议")
@click.option("--matters", required=True, help="办理哪些事项需要接入")
@click.option("--item", "items", multiple=True, help="申请读取的目录项，可重复")
def consumers_apply(
    name: str, kind: str, contact: str, basis: str, matters: str, items: tuple[str, ...]
) -> None:
    try:
        with session_scope() as session:
            consumer = create_consumer(
                session,
                cli_actor(),
                name=name,
                kind=kind,
                contact=contact,
                legal_basis=basis,
                items=list(items) or None,
                matters=matters,
                apply=True,
            )
            click.echo(f"已提交接入申请 {consumer.id}：{consumer.name}，待信用办审核")
    except AccountError as exc:
        fail(str(exc))


@consumers.command("review", help="审核接入申请：--approve 或 --reject，并说明理由。")
@click.argument("consumer_id", type=int)
@click.option("--approve/--reject", required=True, help="批准或退回")
@click.option("--reason", required=True, help="理由")
def consumers_review(consumer_id: int, approve: bool, reason: str) -> None:
    try:
        with session_scope() as session:
            consumer = review_consumer(session, cli_actor(), consumer_id, approve, reason)
            click.echo(
                f"接入方 {consumer.id}（{consumer.name}）：{'已批准' if approve else '已退回'}"
            )
    except AccountError as exc:
        fail(str(exc))
