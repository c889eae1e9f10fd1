from __future__ import annotations

import click

from xinyong.cli.common import echo_json
from xinyong.identifiers.check import check_code


@click.group(help="统一社会信用代码与身份证号码。")
def codes() -> None:
    pass


@codes.command("check", help="校验代码（统一社会信用代码或居民身份证号码）。")
@click.argument("values", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 列表输出")
def codes_check(values: tuple[str, ...], as_json: bool) -> None:
    results = [check_code(v) for v in values]
    if as_json:
        echo_json([r.as_dict() for r in results])
    else:
        for r in results:
            verdict = "有效" if r.valid else "无效"
            click.echo(f"{r.input}: {verdict}（{r.kind or '未知类型'}）")
            for line in r.fixes + r.errors + r.notes:
                click.echo(f"  - {line}")
    if not all(r.valid for r in results):
        raise SystemExit(1)
