from __future__ import annotations

import click

from xinyong.cli.common import fail
from xinyong.db.engine import session_scope
from xinyong.records.models import Record
from xinyong.repair.service import repair_notice
from xinyong.settings import get_settings
from xinyong.subjects.models import Subject


@click.group(help="信用修复。")
def repair() -> None:
    pass


@repair.command("notice", help="生成随处罚决定书送达的信用修复告知书（两书同达）。")
@click.argument("record_id", type=int)
def repair_notice_command(record_id: int) -> None:
    with session_scope() as session:
        record = session.get(Record, record_id)
        if record is None or record.item != "admin_penalty":
            fail(f"行政处罚记录 {record_id} 不存在")
            return
        subject = session.get(Subject, record.subject_id)
        assert subject is not None
        click.echo(repair_notice(record, subject.name, get_settings().city_name))
