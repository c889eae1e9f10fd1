from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from penalty_files import (
    AUTHORITY,
    COMPANIES,
    HEADERS,
    good_row,
    write_csv,
    write_jsonl,
    write_xlsx,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.cli.main import cli
from xinyong.ingest.models import CodeConflict
from xinyong.ingest.pipeline import IngestResult, ingest_file
from xinyong.records.models import Record
from xinyong.subjects.models import Subject, SubjectName

TODAY = date(2026, 11, 22)
ACTOR = Actor("cli:test")


def run(session: Session, path: Path, **kwargs: object) -> IngestResult:
    result = ingest_file(session, "admin_penalty", path, actor=ACTOR, today=TODAY, **kwargs)
    session.commit()
    return result


def assert_counts_add_up(result: IngestResult) -> None:
    assert result.accepted + result.rejected == result.total
    assert result.new + result.updated + result.unchanged == result.accepted


DEFECTS = {
    "check character": (
        {"统一社会信用代码": "91350100M000100Y4Z"},
        "CF_XDR_SHXYM",
        "第18位应为“3”",
    ),
    "missing required": ({"违法事实": ""}, "CF_SY", "必填项为空"),
    "impossible date": ({"处罚决定日期": "2026-02-30"}, "CF_JDRQ", "不是有效日期"),
    "non-numeric amount": ({"罚款金额（万元）": "两千"}, "CF_NR_FK", "不是有效数字"),
    "publicity before decision": ({"公示截止期": "2026-04-01"}, "CF_GSJZQ", "早于决定日期"),
    "fine without amount": ({"罚款金额（万元）": ""}, "CF_NR_FK", "包含“罚款”时必填"),
    "decision in future": (
        {"处罚决定日期": "2027-01-05", "处罚有效期": "2027-06-01"},
        "CF_JDRQ",
        "不能在未来",
    ),
}
FIXABLE = {
    "lower case": {"统一社会信用代码": COMPANIES[20][0].lower()},
    "spaces": {"统一社会信用代码": " " + COMPANIES[21][0][:9] + " " + COMPANIES[21][0][9:]},
    "full width": {"统一社会信用代码": "".join(chr(ord(c) + 0xFEE0) for c in COMPANIES[22][0])},
    "chinese date": {"处罚决定日期": "2026年5月1日"},
    "slash date": {"处罚决定日期": "2026/5/1"},
    "compact date": {"处罚决定日期": "20260501"},
}


def defect_file(tmp_path: Path, encoding: str = "utf-8") -> Path:
    rows = [good_row(n) for n in range(5)]
    for n, (overrides, _, _) in enumerate(DEFECTS.values(), start=100):
        rows.append(good_row(n, **overrides))
    for n, overrides in enumerate(FIXABLE.values(), start=200):
        rows.append(good_row(n, company=20 + n - 200, **overrides))
    return write_csv(tmp_path / "penalties.csv", rows, encoding)


def test_each_defect_is_rejected_with_a_chinese_reason_naming_the_field(
    session: Session, tmp_path: Path
) -> None:
    result = run(session, defect_file(tmp_path))
    assert_counts_add_up(result)
    assert (result.total, result.rejected) == (5 + len(DEFECTS) + len(FIXABLE), len(DEFECTS))
    assert result.fixed == len(FIXABLE)
    assert result.rejected_file is not None
    rejected = pl.read_csv(result.rejected_file, infer_schema=False)
    assert "错误说明" in rejected.columns
    reasons = dict(zip(rejected["行政处罚决定书文号"], rejected["错误说明"], strict=True))
    assert len(reasons) == len(DEFECTS)
    for n, (name, (_, field, reason)) in enumerate(DEFECTS.items(), start=100):
        message = reasons[f"示市监罚〔2026〕{n + 1}号"]
        assert field in message and reason in message, (name, message)


def test_fixed_codes_and_dates_are_stored_clean(session: Session, tmp_path: Path) -> None:
    run(session, defect_file(tmp_path))
    stored = session.execute(select(Subject.uscc)).scalars().all()
    for company in (20, 21, 22):
        assert COMPANIES[company][0] in stored
    dates = (
        session.execute(select(Record.decision_date).where(Record.subject_id.is_not(None)))
        .scalars()
        .all()
    )
    assert set(dates) == {date(2026, 5, 1)}


def test_gb18030_and_bom_files_load_like_utf8(session: Session, tmp_path: Path) -> None:
    results = []
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        folder = tmp_path / encoding
        folder.mkdir()
        results.append(run(session, defect_file(folder, encoding)))
    assert [(r.accepted, r.rejected) for r in results] == [(11, 7)] * 3
    assert [r.new for r in results] == [11, 0, 0]
    rejected_gb = Path(results[2].rejected_file or "").read_bytes()
    assert "错误说明".encode("gb18030") in rejected_gb


def test_sending_the_same_file_twice_is_a_no_op_and_one_change_is_one_update(
    session: Session, tmp_path: Path
) -> None:
    rows = [good_row(n) for n in range(10)]
    path = write_csv(tmp_path / "p.csv", rows)
    first = run(session, path)
    assert (first.new, first.updated) == (10, 0)
    second = run(session, path)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 10)
    rows[3] = good_row(3, 处罚内容="罚款人民币3000元", **{"罚款金额（万元）": "0.3"})
    third = run(session, write_csv(tmp_path / "p2.csv", rows))
    assert (third.new, third.updated, third.unchanged) == (0, 1, 9)
    count = session.execute(select(func.count()).select_from(Record)).scalar_one()
    assert count == 11


def test_duplicate_row_in_one_file_is_rejected_with_the_first_row_number(
    session: Session, tmp_path: Path
) -> None:
    rows = [good_row(0), good_row(1), good_row(0, 违法事实="重复报送")]
    result = run(session, write_csv(tmp_path / "dup.csv", rows))
    assert (result.accepted, result.rejected) == (2, 1)
    rejected = pl.read_csv(result.rejected_file or "", infer_schema=False)
    assert "与第2行是同一条记录" in rejected["错误说明"][0]


def test_duplicates_across_chunks_name_the_first_row(session: Session, tmp_path: Path) -> None:
    rows = [good_row(0), good_row(1), good_row(2), good_row(0, 违法事实="重复"), good_row(0)]
    result = run(session, write_csv(tmp_path / "dup.csv", rows), chunk_rows=2)
    assert (result.accepted, result.rejected) == (3, 2)
    rejected = pl.read_csv(result.rejected_file or "", infer_schema=False)
    assert rejected["错误说明"].str.contains("与第2行是同一条记录").all()


def test_xlsx_with_excel_dates_and_serial_numbers(session: Session, tmp_path: Path) -> None:
    rows = [good_row(n) for n in range(4)] + [good_row(9, 处罚决定日期="2026-13-01")]
    path = write_xlsx(
        tmp_path / "p.xlsx", rows, date_columns=("处罚决定日期",), serial_columns=("处罚有效期",)
    )
    result = run(session, path)
    assert (result.accepted, result.rejected) == (4, 1)
    assert (result.rejected_file or "").endswith(".xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(result.rejected_file or "").active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[-1] == "错误说明"
    stored = session.execute(select(Record.valid_to)).scalars().all()
    assert set(stored) == {date(2026, 11, 1)}


def test_jsonl_and_code_name_headers_in_any_order(session: Session, tmp_path: Path) -> None:
    from xinyong.catalog.registry import get_catalog

    item = get_catalog().item("admin_penalty")
    by_header = {f.header: f.code for f in item.fields}
    by_header["统一社会信用代码"] = "CF_XDR_SHXYM"
    rows = [
        {by_header[k]: v for k, v in reversed(list(good_row(n).items())) if k in by_header}
        | {"EXTRA_COLUMN": "x"}
        for n in range(3)
    ]
    result = run(session, write_jsonl(tmp_path / "p.jsonl", rows))
    assert (result.accepted, result.rejected) == (3, 0)
    assert result.unknown_columns == ["EXTRA_COLUMN"]


def test_legacy_layout_columns_are_mapped_or_ignored(session: Session, tmp_path: Path) -> None:
    rows = []
    for n in range(3):
        row = good_row(n)
        row["CF_CFLB1"] = "罚款"
        row["CF_CFLB2"] = "警告"
        row["DFBM"] = "440500"
        row["SJC"] = "2026-05-02 10:00:00"
        del row["处罚类别"]
        rows.append(row)
    result = run(session, write_csv(tmp_path / "legacy.csv", rows))
    assert (result.accepted, result.rejected) == (3, 0)
    assert sorted(result.ignored_columns) == ["DFBM", "SJC"]
    record = session.execute(select(Record)).scalars().first()
    assert record is not None and record.fields["CF_CFLB"] == ["罚款", "警告"]


def test_unseen_codes_create_subjects_and_conflicts_open_cases(
    session: Session, tmp_path: Path
) -> None:
    run(session, write_csv(tmp_path / "a.csv", [good_row(0), good_row(1)]))
    code, name = COMPANIES[0]
    renamed = good_row(2, company=0, 行政相对人名称="示范市改名后贸易有限公司")
    other_code, _ = COMPANIES[5]
    same_name = good_row(3, company=5, 行政相对人名称=COMPANIES[1][1])
    result = run(session, write_csv(tmp_path / "b.csv", [renamed, same_name]))
    assert result.accepted == 2 and result.code_conflicts == 2
    subject = session.execute(select(Subject).where(Subject.uscc == code)).scalar_one()
    assert subject.name == name, "a conflicting name never overwrites silently"
    cases = session.execute(select(CodeConflict.kind, CodeConflict.code)).all()
    assert sorted(cases) == sorted(
        [("code_with_two_names", code), ("name_with_two_codes", other_code)]
    )
    again = run(session, write_csv(tmp_path / "c.csv", [renamed]))
    assert again.code_conflicts == 0, "an open case is not opened twice"
    assert session.execute(select(func.count()).select_from(SubjectName)).scalar_one() >= 2


def test_every_record_belongs_to_the_subject_its_row_names(
    session: Session, tmp_path: Path
) -> None:
    # Records are written in record-key order, subjects resolved in file order: each record
    # must still end up with the subject of its own row, across chunks.
    rows = [good_row(n, company=(n * 7) % len(COMPANIES)) for n in range(120)]
    result = run(session, write_csv(tmp_path / "many.csv", rows), chunk_rows=50)
    assert result.new == 120
    pairs = session.execute(select(Record, Subject.uscc).join(Subject)).all()
    assert len(pairs) == 120
    by_number = {record.fields["CF_WSH"]: uscc for record, uscc in pairs}
    assert by_number == {r["行政处罚决定书文号"]: r["统一社会信用代码"] for r in rows}


def test_person_ids_are_linked_and_never_stored_in_clear(session: Session, tmp_path: Path) -> None:
    import random

    from xinyong.demo.identities import IdentityMaker

    resident_id = IdentityMaker(random.Random(3)).resident_id("440507", date(1985, 3, 3))
    person = good_row(
        0, 行政相对人名称="陈小红", 行政相对人类别="自然人", 统一社会信用代码="", 法定代表人=""
    )
    person |= {"证件类型": "身份证", "证件号码": resident_id.lower()}
    result = run(session, write_csv(tmp_path / "p.csv", [person]))
    assert result.accepted == 1
    dump = json.dumps(
        [
            list(map(str, r))
            for r in session.execute(select(Record.stored_values, Record.original_row)).all()
        ],
        ensure_ascii=False,
    )
    assert resident_id not in dump and resident_id.lower() not in dump


def test_cli_json_output_has_the_documented_keys(db_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [good_row(0), good_row(1, 处罚决定日期="x")])
    result = CliRunner().invoke(cli, ["ingest", "admin_penalty", str(path), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    for key in (
        "batch_id",
        "item",
        "total",
        "accepted",
        "fixed",
        "rejected",
        "new",
        "updated",
        "unchanged",
        "rejected_file",
        "duration_s",
    ):
        assert key in body
    assert (body["total"], body["accepted"], body["rejected"]) == (2, 1, 1)


def test_cli_text_output_and_unknown_item(db_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [good_row(0)])
    result = CliRunner().invoke(cli, ["ingest", "admin_penalty", str(path)])
    assert result.exit_code == 0 and "接收1行" in result.output
    refused = CliRunner().invoke(cli, ["ingest", "no_such_item", str(path)])
    assert refused.exit_code != 0 and "不存在" in refused.output


def test_headers_list_is_the_standard_layout() -> None:
    assert HEADERS[0] == "行政相对人名称" and AUTHORITY


def test_rejected_rows_keep_their_sheet_row_numbers_across_blank_rows(
    session: Session, tmp_path: Path
) -> None:
    from openpyxl import Workbook, load_workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    good = good_row(0)
    sheet.append(list(good))
    sheet.append(list(good.values()))
    sheet.append([])  # a blank row 3, as clerks leave them
    sheet.append(list(good_row(1, 处罚决定日期="2026-13-01").values()))  # row 4
    path = tmp_path / "gaps.xlsx"
    workbook.save(path)
    result = run(session, path)
    assert (result.total, result.accepted, result.rejected) == (2, 1, 1)
    rejected = load_workbook(result.rejected_file or "").active
    assert rejected is not None
    assert rejected.cell(2, 1).value == 4


def test_old_registration_numbers_become_searchable(session: Session, tmp_path: Path) -> None:
    from xinyong.subjects.service import find_subject

    row = good_row(0)
    row["工商注册号"] = "440500000123456"
    run(session, write_csv(tmp_path / "p.csv", [row]))
    found = find_subject(session, "440500000123456")
    assert found is not None and found.uscc == COMPANIES[0][0]


def test_original_row_is_kept_where_the_fields_do_not_give_the_row_back(
    session: Session, tmp_path: Path
) -> None:
    from xinyong.catalog.registry import get_catalog
    from xinyong.ingest.headers import map_headers

    plain = good_row(0)
    fixed = good_row(1, 处罚决定日期="2026/5/1")
    extra = good_row(2) | {"内部编号": "A-17"}
    run(session, write_csv(tmp_path / "a.csv", [plain, fixed]))
    run(session, write_csv(tmp_path / "b.csv", [extra], headers=[*HEADERS, "内部编号"]))
    stored = {
        r.fields["CF_WSH"]: r
        for r in session.execute(select(Record).where(Record.is_current.is_(True))).scalars()
    }
    as_sent = stored[plain["行政处罚决定书文号"]]
    assert as_sent.original_row is None, "taken as sent: the fields are the row"
    codes = map_headers(get_catalog().item("admin_penalty"), HEADERS).columns
    for code, (column,) in codes.items():
        value = as_sent.fields.get(code)
        expected = plain[column] or None
        assert ("；".join(value) if isinstance(value, list) else value) == expected, code
    assert stored[fixed["行政处罚决定书文号"]].original_row[11] == "2026/5/1"
    assert stored[extra["行政处罚决定书文号"]].original_row[-1] == "A-17"


def test_a_fine_that_disagrees_with_the_decision_text_is_flagged_but_accepted(
    session: Session, tmp_path: Path
) -> None:
    rows = [
        good_row(0),  # 罚款人民币2000元 and 0.2 万元 agree
        good_row(1, **{"处罚内容": "罚款人民币3000元"}),  # 3000 元 against 0.2 万元
        good_row(2, **{"处罚内容": "罚款0.2万元"}),  # the same fine written in 万元
        good_row(3, **{"处罚内容": "罚款1万元", "罚款金额（万元）": "0.5"}),
        good_row(4, **{"处罚内容": "警告并罚款"}),  # no amount in the text: nothing to compare
    ]
    result = run(session, write_csv(tmp_path / "p.csv", rows))
    assert (result.accepted, result.rejected, result.flagged) == (5, 0, 2)


def test_the_batch_records_who_the_file_digest_the_counts_and_the_duration(
    session: Session, tmp_path: Path
) -> None:
    import hashlib

    from xinyong.ingest.models import Batch

    path = write_csv(tmp_path / "p.csv", [good_row(0), good_row(1, 处罚决定日期="x")])
    result = run(session, path)
    batch = session.get(Batch, result.batch_id)
    assert batch is not None
    assert batch.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert batch.submitted_by == ACTOR.name and batch.status == "done"
    assert batch.counts["accepted"] == 1 and batch.counts["rejected"] == 1
    assert batch.duration_s is not None and batch.duration_s >= 0
    assert batch.finished_at is not None


def test_timeliness_counts_working_days_from_decision_to_receipt_across_chunks(
    session: Session, tmp_path: Path
) -> None:
    # Received Sunday 2026-11-22: decided Friday 11-20 -> 0 working days, Monday 11-16 -> 4,
    # Monday 11-02 -> 14. The rejected row (an impossible date) is not counted.
    decided = ["2026-11-20"] * 3 + ["2026-11-16"] + ["2026-11-02"] * 2 + ["2026-02-30"]
    rows = [good_row(n, 处罚决定日期=day, 处罚有效期="2027-05-01") for n, day in enumerate(decided)]
    result = run(session, write_csv(tmp_path / "t.csv", rows), chunk_rows=2)
    assert (result.accepted, result.rejected) == (6, 1)
    assert result.timeliness == {
        "records": 6,
        "within_7_working_days": 4,
        "share_timely": 0.6667,
        "median_working_days": 4,
    }
