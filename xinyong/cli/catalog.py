from __future__ import annotations

from pathlib import Path

import click

from xinyong.api.routers.catalog import summarize_item
from xinyong.catalog.registry import CatalogError, get_catalog
from xinyong.catalog.template import write_template
from xinyong.cli.common import echo_json, fail

REQ_LABELS = {"R": "必填", "C": "条件必填", "O": "选填"}


@click.group(help="信用信息资源目录。")
def catalog() -> None:
    pass


@catalog.command("list", help="列出全部目录项。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def catalog_list(as_json: bool) -> None:
    cat = get_catalog()
    if as_json:
        echo_json([summarize_item(i).model_dump(exclude={"fields"}) for i in cat.items.values()])
        return
    for item in cat.items.values():
        category = cat.categories[item.category].name
        click.echo(
            f"{item.catalog_number}  {item.code:<28} {item.name}（{category}，"
            f"{item.openness.value}，{len(item.fields)}个字段）"
        )


@catalog.command("show", help="显示一个目录项及其全部字段。")
@click.argument("item")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def catalog_show(item: str, as_json: bool) -> None:
    try:
        entry = get_catalog().item(item)
    except CatalogError as exc:
        fail(str(exc))
        return
    if as_json:
        echo_json(summarize_item(entry).model_dump())
        return
    click.echo(f"{entry.name}（{entry.code}，目录编号 {entry.catalog_number}）")
    click.echo(f"  公开属性：{entry.openness.value}；公示规则：{entry.publicity.rule}")
    click.echo(f"  法律依据：{entry.legal_basis}")
    click.echo(
        f"  更新频率：{entry.update_frequency}；来源部门：{'、'.join(entry.source_departments)}"
    )
    click.echo(f"  业务主键：{'、'.join(entry.natural_key)}")
    for f in entry.fields:
        extra = f"，代码集 {f.code_list}" if f.code_list else ""
        click.echo(f"  {f.code:<16} {f.header}（{f.type.value}，{REQ_LABELS[f.required]}{extra}）")


@catalog.command("template", help="生成部门报送用的 Excel 模板（含下拉代码、日期提示和填报说明）。")
@click.argument("item")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出的 .xlsx 文件",
)
def catalog_template(item: str, out: Path) -> None:
    cat = get_catalog()
    try:
        entry = cat.item(item)
    except CatalogError as exc:
        fail(str(exc))
        return
    write_template(entry, cat, out)
    click.echo(f"已生成“{entry.name}”报送模板：{out}")
