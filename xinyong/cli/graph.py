"""``xinyong graph``: rebuild the relationship graph; control analysis of every organisation."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import click

from xinyong.catalog.registry import get_catalog
from xinyong.clock import today
from xinyong.db.engine import session_scope
from xinyong.graph import bods
from xinyong.graph.batch import analyse_all
from xinyong.graph.build import rebuild
from xinyong.graph.query import GraphView
from xinyong.permissions.policy import Audience
from xinyong.settings import get_settings


@click.group(help="关联图谱：重建图谱；全部组织的股权穿透与实际控制人。")
def graph() -> None:
    pass


@graph.command("rebuild", help="由股东及出资信息、主要人员信息的全部记录版本重建图谱。")
def rebuild_command() -> None:
    started = time.perf_counter()
    with session_scope() as session:
        edges = rebuild(session)
    click.echo(f"关联图谱已重建：{edges}条关系，用时{time.perf_counter() - started:.1f}秒")


@graph.command(
    "control",
    help="计算全部组织的实际控制人：jsonl 每行一个 JSON 对象；bods 为受益所有权数据标准"
    "（BODS 0.4）声明数组。自然人以 P 引用表示，不含身份证号码。",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="按该日有效的持股关系")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "bods"]),
    default="jsonl",
    show_default=True,
    help="输出格式",
)
def control_command(out: Path, as_of: datetime | None, output_format: str) -> None:
    started = time.perf_counter()
    day = as_of.date() if as_of else today()
    view = GraphView(get_catalog(), Audience.staff, today(), day)
    count = 0
    with session_scope() as session, out.open("w", encoding="utf-8") as handle:
        if output_format == "bods":
            publisher = f"{get_settings().city_name}公共信用信息平台"
            handle.write("[\n")
            for statement in bods.statements(session, view, publisher, today()):
                handle.write((",\n" if count else "") + json.dumps(statement, ensure_ascii=False))
                count += 1
            handle.write("\n]\n")
            what = f"已写出{count}条 BODS 声明"
        else:
            for line in analyse_all(session, view):
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
            what = f"已分析{count}个组织"
    click.echo(f"{what}，用时{time.perf_counter() - started:.1f}秒：{out}")
