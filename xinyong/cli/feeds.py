from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from xinyong.accounts.service import AccountError, get_department
from xinyong.catalog.registry import CatalogError, get_catalog
from xinyong.cli.common import fail
from xinyong.db.engine import session_scope
from xinyong.gateway.feeds import FeedError, pull
from xinyong.permissions import Principal
from xinyong.privacy.files import write_private_text
from xinyong.safety.cells import safe_cell

COLUMNS = ("change", "at", "id", "record_key", "version", "status", "decision_date", "fields")


@click.group(help="数据共享订阅（供以文件交换的部门）。")
def feeds() -> None:
    pass


@feeds.command(
    "export", help="把目录项自游标以来的变更写成文件（每晚运行），并打印下次使用的游标。"
)
@click.argument("item")
@click.option("--department", required=True, help="订阅部门的统一社会信用代码（按其共享规则）")
@click.option("--since", default=None, help="上次打印的游标；不给出时从头开始")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="输出文件")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
def feeds_export(item: str, department: str, since: str | None, out: Path, fmt: str) -> None:
    entries: list[dict[str, object]] = []
    try:
        with session_scope() as session:
            dept = get_department(session, department)
            reader = Principal(
                f"cli:feeds:{dept.uscc}",
                kind="apikey",
                scopes=frozenset({"read"}),
                department_id=dept.id,
                credit_office=dept.is_credit_office,
            )
            cursor = since
            while True:  # every page, so that the file holds all changes since the cursor
                page = pull(session, reader, get_catalog(), item, cursor, 5000)
                entries += page["entries"]
                cursor = page["next_cursor"]
                if not page["more"]:
                    break
    except (AccountError, CatalogError, FeedError) as exc:
        fail(str(exc))
    write_private_text(out, _jsonl(entries) if fmt == "jsonl" else _csv(entries))
    click.echo(f"已写出 {len(entries)} 条变更到 {out}；下次使用游标：{cursor}")


def _jsonl(entries: list[dict[str, object]]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False, default=str) + "\n" for e in entries)


def _csv(entries: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for entry in entries:
        row = [
            json.dumps(entry.get(c), ensure_ascii=False) if c == "fields" else entry.get(c)
            for c in COLUMNS
        ]
        writer.writerow([safe_cell("" if v is None else str(v)) for v in row])
    return "\ufeff" + buffer.getvalue()
