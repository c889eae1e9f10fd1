"""A fault of one row stays with that row: too few or too many fields, a NUL byte, bytes in
another encoding, a cell over the length limit. That row is rejected with its reason in
Chinese, the others load, on SQLite and PostgreSQL alike (PostgreSQL cannot store NUL: the
whole batch used to fail there). A repeated header refuses the file, naming the header."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from ingesting import ITEM, finished, refusal, rejected_rows, upload
from openpyxl import Workbook
from penalty_files import HEADERS, good_row
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.ingest.models import Batch
from xinyong.records.models import Record
from xinyong.settings import reset_settings


def _line(row: dict[str, str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([row[h] for h in HEADERS])
    return out.getvalue().encode("utf-8")


def _records(session: Session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(Record)).scalar_one()


def _faulty_csv() -> tuple[bytes, dict[int, str]]:
    """Good rows 2-6, then one faulty row each (line number -> expected reason), then a good
    row again: the fault must not end the file."""
    head = ",".join(HEADERS).encode("utf-8") + b"\n"
    good = b"".join(_line(good_row(n)) for n in range(5))
    short = _line(good_row(5)).rsplit(b",", 4)[0] + b"\n"
    long = _line(good_row(6)).rstrip(b"\n") + ",多出来的值,又一个\n".encode()
    nul = _line(good_row(7, 违法事实="经查\x00当事人未按规定明码标价。"))
    gbk = _line(good_row(8)).replace("经查，当事人".encode(), "经查，当事人".encode("gbk"))
    last = _line(good_row(9))
    expected = {
        7: f"本行有{len(HEADERS) - 4}个字段，表头有{len(HEADERS)}列：字段数不足",
        8: f"本行有{len(HEADERS) + 2}个字段，表头有{len(HEADERS)}列：字段数过多",
        9: "“违法事实”列含有空字符（NUL，\\x00），本行未载入",
        10: "“违法事实”列含有无法按 UTF-8 解码的字节",
    }
    return head + good + short + long + nul + gbk + last, expected


def test_faulty_csv_rows_are_rejected_alone(
    client: TestClient, ingest_key: dict[str, str], session: Session
) -> None:
    content, expected = _faulty_csv()
    body = finished(client, ingest_key, upload(client, ingest_key, "处罚.csv", content))
    assert (body["total"], body["accepted"], body["rejected"]) == (10, 6, 4), body
    assert _records(session) == 6
    rejected = rejected_rows(client, ingest_key, body)
    reasons = {int(r["原行号"]): r["错误说明"] for r in rejected}
    assert sorted(reasons) == sorted(expected)
    for line, reason in expected.items():
        assert reason in reasons[line], (line, reasons[line])
    # the department gets its rows back as sent, ready to correct
    assert next(r for r in rejected if r["原行号"] == "9")["违法事实"].startswith("经查")


def test_a_gb18030_file_with_one_undecodable_row(
    client: TestClient, ingest_key: dict[str, str], session: Session
) -> None:
    head = ",".join(HEADERS).encode("gb18030") + b"\n"
    rows = [_line(good_row(n)).decode("utf-8").encode("gb18030") for n in range(4)]
    rows[2] = rows[2].replace("当事人".encode("gb18030"), b"\x81\x20\x81\x20")
    body = finished(
        client, ingest_key, upload(client, ingest_key, "gbk.csv", head + b"".join(rows))
    )
    assert (body["accepted"], body["rejected"]) == (3, 1), body
    (row,) = rejected_rows(client, ingest_key, body, "gb18030")
    assert row["原行号"] == "4" and "无法按 GB18030 解码" in row["错误说明"]
    assert _records(session) == 3


def test_a_cell_over_the_length_limit_rejects_its_row(
    client: TestClient,
    ingest_key: dict[str, str],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XINYONG_INGEST_MAX_CELL_CHARS", "500")
    reset_settings()
    head = ",".join(HEADERS).encode("utf-8") + b"\n"
    rows = [good_row(0), good_row(1, 违法事实="经查" * 300), good_row(2)]
    content = head + b"".join(_line(r) for r in rows)
    body = finished(client, ingest_key, upload(client, ingest_key, "long.csv", content))
    assert (body["accepted"], body["rejected"]) == (2, 1), body
    (row,) = rejected_rows(client, ingest_key, body)
    assert "“违法事实”列长度为600个字符，超过单元格长度上限500个字符" in row["错误说明"]
    assert "XINYONG_INGEST_MAX_CELL_CHARS" in row["错误说明"]


def test_pushed_rows_with_a_nul_byte_are_rejected_alone(
    client: TestClient, ingest_key: dict[str, str], session: Session
) -> None:
    rows = [good_row(0), good_row(1, 违法事实="经查\x00当事人"), good_row(2)]
    answer = client.post(f"/api/v1/ingest/{ITEM}", headers=ingest_key, json={"rows": rows})
    body = finished(client, ingest_key, answer)
    assert (body["accepted"], body["rejected"]) == (2, 1), body
    assert _records(session) == 2
    content = client.get(body["rejected_file"], headers=ingest_key).content.decode("utf-8")
    (line,) = [json.loads(x) for x in content.splitlines()]
    assert "“违法事实”列含有空字符" in line["错误说明"]


def test_jsonl_lines_that_are_not_objects_are_rejected_alone(
    client: TestClient, ingest_key: dict[str, str], session: Session
) -> None:
    lines = [json.dumps(good_row(n), ensure_ascii=False) for n in range(3)]
    lines.insert(2, '{"行政相对人名称": "断开的行')
    lines.insert(3, "[1, 2, 3]")
    content = "\n".join(lines).encode("utf-8") + b"\n"
    body = finished(client, ingest_key, upload(client, ingest_key, "推送.jsonl", content))
    assert (body["accepted"], body["rejected"]) == (3, 2), body
    rejected = client.get(body["rejected_file"], headers=ingest_key).content.decode("utf-8")
    reasons = [json.loads(x)["错误说明"] for x in rejected.splitlines()]
    assert "第3行不是有效的 JSON" in reasons[0] and "第4行应为 JSON 对象" in reasons[1]


def _duplicate_header_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([*HEADERS, "行政处罚决定书文号"])
    sheet.append([good_row(0)[h] for h in HEADERS] + ["示市监罚〔2026〕99号"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_duplicate_header_refuses_the_file_naming_it(
    client: TestClient, ingest_key: dict[str, str], session: Session, kind: str
) -> None:
    if kind == "csv":
        content = ",".join([*HEADERS, "行政处罚决定书文号"]).encode() + b"\n"
        content += _line(good_row(0)).rstrip(b"\n") + "，示市监罚〔2026〕99号\n".encode()
        answer = upload(client, ingest_key, "dup.csv", content)
    else:
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        answer = upload(client, ingest_key, "dup.xlsx", _duplicate_header_xlsx(), mime)
    status, reason = refusal(client, ingest_key, answer)  # (XLSX: found by the worker)
    assert status == (422 if kind == "csv" else 202)
    column = HEADERS.index("行政处罚决定书文号") + 1
    assert f"表头“行政处罚决定书文号”重复出现（第{column}列和第{len(HEADERS) + 1}列）" in reason
    assert _records(session) == 0
    done = select(func.count()).select_from(Batch).where(Batch.status == "done")
    assert session.execute(done).scalar_one() == 0
