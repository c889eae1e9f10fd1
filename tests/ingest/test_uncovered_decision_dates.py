"""A penalty decided on a day no publicity rule covers gets no period: it is rejected with a
Chinese reason naming the field, the value and why, and comes back in the rejected file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from penalty_files import good_row, write_csv
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.ingest.pipeline import ingest_file
from xinyong.records.models import Record

TODAY = date(2026, 11, 22)
UNCOVERED = {"1989-12-31": "1989-12-31", "1985年3月1日": "1985-03-01"}


def test_penalty_before_the_first_rule_is_rejected_and_kept_in_the_rejected_file(
    session: Session, tmp_path: Path
) -> None:
    rows = [
        good_row(0),
        good_row(1, 处罚决定日期="1990-01-01", 处罚有效期="1990-06-01"),
        *(
            good_row(n, 处罚决定日期=sent, 处罚有效期="1990-06-01")
            for n, sent in enumerate(UNCOVERED, start=2)
        ),
    ]
    result = ingest_file(
        session,
        "admin_penalty",
        write_csv(tmp_path / "old.csv", rows),
        actor=Actor("cli:test"),
        today=TODAY,
        publish=True,
    )
    session.commit()
    assert (result.total, result.accepted, result.rejected) == (4, 2, 2)
    assert result.rejected_file is not None
    rejected = pl.read_csv(result.rejected_file, infer_schema=False)
    assert rejected["处罚决定日期"].to_list() == list(UNCOVERED)
    for sent, day, reason in zip(
        UNCOVERED, UNCOVERED.values(), rejected["错误说明"].to_list(), strict=True
    ):
        assert reason.startswith(f"处罚决定日期（CF_JDRQ）“{sent}”：")
        assert f"没有适用于 {day} 的行政处罚公示期规则" in reason
        assert "1990-01-01" in reason and "无法确定公示期" in reason
    stored = session.execute(select(Record.decision_date, Record.publicity_end)).all()
    assert sorted(stored) == [
        (date(1990, 1, 1), date(1993, 1, 1)),
        (date(2026, 5, 1), date(2027, 5, 1)),
    ]
