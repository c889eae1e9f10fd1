"""``xinyong reports``: issue, verify (offline, against the signing certificate), revoke,
statistics."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from xinyong.cli.common import cli_actor, echo_json, fail
from xinyong.settings import get_settings


@click.group(help="信用报告：出具、核验、撤销、统计。")
def reports() -> None:
    pass


@reports.command(
    "verify", help="离线核验报告 PDF 的数字签名（对照报告签名证书）；被改动的文件退出码为 1。"
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="报告签名证书（默认 XINYONG_REPORT_CERT）",
)
@click.option("--json", "as_json", is_flag=True)
def verify_command(file: Path, cert: Path | None, as_json: bool) -> None:
    from xinyong.reports.signing import verify_signature

    cert_path = cert or get_settings().report_cert
    if not cert_path.exists():
        fail(f"找不到报告签名证书 {cert_path}：请用 --cert 指定平台公布的证书")
    data = file.read_bytes()
    check = verify_signature(data, cert_path.read_bytes())
    shown = {
        "file": str(file),
        "valid": check.valid,
        "reason": check.reason,
        "number": check.number,
        "signer": check.signer,
        "signed_at": check.signed_at,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if as_json:
        echo_json(shown)
    else:
        click.echo(f"{'有效' if check.valid else '无效'}：{check.reason}")
        click.echo(f"报告编号：{check.number or '（未知）'}；SHA-256：{shown['sha256']}")
    if not check.valid:
        raise SystemExit(1)


@reports.command("issue", help="出具报告并写入 PDF 文件（命令行操作员，政务版内容）。")
@click.option(
    "--kind", type=click.Choice(["organisation", "person", "special"]), default="organisation"
)
@click.option("--code", required=True, help="统一社会信用代码，或本人居民身份证号码")
@click.option("--purpose", required=True)
@click.option("--content", type=click.Choice(["public", "government"]), default="public")
@click.option("--domain", "domains", multiple=True, help="专项报告的领域代码，可重复")
@click.option("--years", type=int, help="专项报告的统计期间（年）")
@click.option("--identity-name", help="自然人报告：已核验身份证件上的姓名")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def issue_command(
    kind: str,
    code: str,
    purpose: str,
    content: str,
    domains: tuple[str, ...],
    years: int | None,
    identity_name: str | None,
    out: Path,
) -> None:
    from xinyong.catalog.registry import get_catalog
    from xinyong.clock import today
    from xinyong.db.engine import session_scope
    from xinyong.privacy.files import write_private_bytes
    from xinyong.reports.service import ReportError, ReportRequest, issue_report

    asked = ReportRequest(
        kind=kind,
        code=code,
        purpose=purpose,
        content=content,
        domains=list(domains),
        years=years,
        identity_name=identity_name,
        identity_checked=identity_name is not None,
    )
    with session_scope() as session:
        try:
            report, _ = issue_report(session, cli_actor(), asked, get_catalog(), today())
        except ReportError as exc:
            fail(str(exc))
            return
        write_private_bytes(out, report.pdf)
        echo_json(
            {
                "number": report.number,
                "verification_code": report.verification_code,
                "sha256": report.sha256,
                "file": str(out),
            }
        )


@reports.command("revoke", help="撤销已出具的报告。")
@click.argument("number")
@click.option("--reason", required=True)
def revoke_command(number: str, reason: str) -> None:
    from xinyong.db.engine import session_scope
    from xinyong.reports.service import ReportError, revoke_report

    with session_scope() as session:
        try:
            revoke_report(session, cli_actor(), number, reason)
        except ReportError as exc:
            fail(str(exc))
    click.echo(f"报告 {number} 已撤销")


@reports.command("stats", help="报告出具统计。")
def stats_command() -> None:
    from xinyong.db.engine import session_scope
    from xinyong.reports.service import statistics

    with session_scope() as session:
        echo_json(statistics(session))
