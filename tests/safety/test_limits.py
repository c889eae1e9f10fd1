"""Limits before parsing: a file over a limit is refused with a Chinese reason naming the
limit (and its setting) before it can use the memory or the time: an XLSX zip bomb from the
zip's central directory alone, a header of 20,000 columns, a 40 MB cell, too many rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bombs import write_bomb
from fastapi.testclient import TestClient
from ingesting import refusal, upload
from openpyxl import Workbook
from penalty_files import HEADERS, good_row, write_csv
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.ingest.models import Batch
from xinyong.records.models import Record
from xinyong.settings import reset_settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Reads a file as ingest does, in a fresh process: seconds taken, memory grown, the refusal.
PROBE = """
import json, resource, sys, time
from pathlib import Path
from xinyong.ingest.readers import ReadError, open_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    opened = open_file(Path(sys.argv[1]))
    for _ in opened.chunks:
        pass
    refused = None
except ReadError as exc:
    refused = str(exc)
seconds = time.perf_counter() - started
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"seconds": seconds, "grown_mb": grown, "refused": refused}))
"""


def _probe(path: Path, **env: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def _nothing_loaded(session: Session) -> None:
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 0
    done = select(func.count()).select_from(Batch).where(Batch.status == "done")
    assert session.execute(done).scalar_one() == 0  # (a batch that failed says why)


def test_a_16_mb_xlsx_bomb_is_refused_at_once_without_using_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "炸弹.xlsx"
    unpacked = write_bomb(bomb)
    assert bomb.stat().st_size > 15 << 20 and unpacked > 15 << 30  # 16 MB -> 15 GB
    result = _probe(bomb)
    assert result["refused"] is not None, result
    assert "压缩比" in str(result["refused"]) and "XINYONG_INGEST_MAX_ZIP_RATIO" in str(
        result["refused"]
    )
    assert float(str(result["seconds"])) < 1.0, result
    assert float(str(result["grown_mb"])) < 100, result
    # a ratio allowed, the uncompressed size is still over its limit
    allowed = _probe(bomb, XINYONG_INGEST_MAX_ZIP_RATIO="5000")
    assert "解压后共 15,488.0 MB" in str(allowed["refused"]), allowed
    assert "XINYONG_INGEST_MAX_UNZIPPED_MB" in str(allowed["refused"])
    assert float(str(allowed["seconds"])) < 1.0 and float(str(allowed["grown_mb"])) < 100


def test_the_api_refuses_an_xlsx_bomb_with_the_reason(
    client: TestClient, ingest_key: dict[str, str], session: Session, tmp_path: Path
) -> None:
    bomb = tmp_path / "炸弹.xlsx"
    write_bomb(bomb)
    started = time.perf_counter()
    answer = upload(client, ingest_key, bomb.name, bomb.read_bytes(), XLSX)
    assert time.perf_counter() - started < 5
    assert answer.status_code == 413, answer.text
    assert "疑似压缩炸弹" in answer.json()["detail"]
    _nothing_loaded(session)


def test_a_header_of_20000_columns_is_refused_at_once(
    client: TestClient, ingest_key: dict[str, str], session: Session, tmp_path: Path
) -> None:
    header = ",".join(f"列{n}" for n in range(20_000)).encode() + b"\n"
    started = time.perf_counter()
    answer = upload(client, ingest_key, "宽表.csv", header + b"1,2,3\n")
    assert answer.status_code == 413, answer.text
    assert time.perf_counter() - started < 5
    assert (
        "表头有20000列，超过列数上限200列（XINYONG_INGEST_MAX_COLUMNS）" in answer.json()["detail"]
    )
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([f"列{n}" for n in range(16_000)])  # (Excel stops at 16,384)
    workbook.save(tmp_path / "宽表.xlsx")
    answer = upload(client, ingest_key, "宽表.xlsx", (tmp_path / "宽表.xlsx").read_bytes(), XLSX)
    status, reason = refusal(client, ingest_key, answer)  # (the worker reads an XLSX header)
    assert status in (413, 202) and "表头有16000列" in reason
    assert "XINYONG_INGEST_MAX_COLUMNS" in reason
    _nothing_loaded(session)


def test_a_40_mb_cell_is_refused_without_using_the_memory(tmp_path: Path) -> None:
    path = tmp_path / "巨型单元格.csv"
    with path.open("wb") as out:
        out.write(",".join(HEADERS).encode() + b"\n")
        out.write(b'"' + b"x" * (40 << 20) + b'"' + b"," * (len(HEADERS) - 1) + b"\n")
    result = _probe(path)
    assert "超过单元格长度上限32,767个字符（XINYONG_INGEST_MAX_CELL_CHARS）" in str(
        result["refused"]
    ), result
    assert float(str(result["grown_mb"])) < 150, result


def test_a_file_over_the_row_limit_loads_nothing(
    client: TestClient,
    ingest_key: dict[str, str],
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XINYONG_INGEST_MAX_ROWS", "5")
    reset_settings()
    path = write_csv(tmp_path / "多行.csv", [good_row(n) for n in range(8)], headers=HEADERS)
    answer = upload(client, ingest_key, path.name, path.read_bytes())
    _status, detail = refusal(client, ingest_key, answer)
    assert "文件超过行数上限5行（XINYONG_INGEST_MAX_ROWS），未载入任何数据" in detail
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 0
