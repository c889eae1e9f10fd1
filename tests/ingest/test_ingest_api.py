"""Departments push penalty records through POST /api/v1/ingest/{item} with an ingest key."""

from __future__ import annotations

import csv
import io
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from penalty_files import AUTHORITY, COMPANIES, HEADERS, good_row, write_csv
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.accounts.service import create_api_key, create_department
from xinyong.audit.log import Actor
from xinyong.demo.identities import IdentityMaker
from xinyong.records.models import Record

ADMIN = Actor("cli:test-admin", "local")
OTHER_AUTHORITY = IdentityMaker(random.Random(5)).uscc("11", "440500")
ERROR_COLUMN = "错误说明"


def _rows() -> list[dict[str, Any]]:
    """5 good rows, then a row with an impossible date and a row with a broken USCC."""
    rows = [good_row(n) for n in range(5)]
    rows.append(good_row(5, 处罚决定日期="2026-13-45"))
    rows.append(good_row(6, 统一社会信用代码="91440507MA00000000"))
    return rows


BAD_NUMBERS = {"示市监罚〔2026〕6号", "示市监罚〔2026〕7号"}


@pytest.fixture
def market_bureau(session: Session) -> Department:
    department = create_department(session, ADMIN, AUTHORITY, "示范市市场监督管理局")
    session.commit()
    return department


def _key(session: Session, department: Department, scopes: list[str]) -> dict[str, str]:
    new = create_api_key(session, ADMIN, scopes, department=department)
    session.commit()
    return {"X-API-Key": new.key}


@pytest.fixture
def ingest_key(session: Session, market_bureau: Department) -> dict[str, str]:
    return _key(session, market_bureau, ["ingest"])


@dataclass
class Finished:
    """A queued upload's final state, as the department sees it once its batch is done."""

    status_code: int
    body: dict[str, Any]
    text: str = ""

    def json(self) -> dict[str, Any]:
        return self.body


def _upload(client: TestClient, headers: dict[str, str], path: Path, publish: bool = False) -> Any:
    """Upload, then (202) poll the batch until it is done: 200 with its counts."""
    with path.open("rb") as handle:
        answer = client.post(
            "/api/v1/ingest/admin_penalty",
            headers=headers,
            params={"publish": "true"} if publish else None,
            files={"file": (path.name, handle, "text/csv")},
        )
    if answer.status_code != 202:
        return answer
    for _ in range(600):
        body = client.get(answer.json()["status_url"], headers=headers).json()
        if body["state"] in ("done", "failed"):
            return Finished(200 if body["state"] == "done" else 422, body, json.dumps(body))
        time.sleep(0.1)
    raise AssertionError(f"batch still running: {body}")


def _assert_counts_add_up(body: dict[str, Any]) -> None:
    assert body["accepted"] + body["rejected"] == body["total"]
    assert body["new"] + body["updated"] + body["unchanged"] == body["accepted"]


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_upload_counts_rows_and_offers_the_rejected_file(
    client: TestClient, ingest_key: dict[str, str], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "penalties.csv", _rows(), headers=HEADERS)

    response = _upload(client, ingest_key, path)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["accepted"], body["rejected"], body["new"]) == (7, 5, 2, 5)
    _assert_counts_add_up(body)
    assert body["rejected_file"] == f"/api/v1/ingest/batches/{body['batch_id']}/rejected"

    download = client.get(body["rejected_file"], headers=ingest_key)
    assert download.status_code == 200
    rejected = _csv_rows(download.content)
    assert ERROR_COLUMN in rejected[0]
    assert {row["行政处罚决定书文号"] for row in rejected} == BAD_NUMBERS
    assert all(row[ERROR_COLUMN] for row in rejected)


def test_sending_the_same_file_again_changes_nothing(
    client: TestClient, ingest_key: dict[str, str], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "penalties.csv", _rows(), headers=HEADERS)
    _upload(client, ingest_key, path)

    again = _upload(client, ingest_key, path).json()

    assert (again["accepted"], again["new"], again["unchanged"]) == (5, 0, 5)
    _assert_counts_add_up(again)


def test_json_rows_are_loaded_like_a_file(client: TestClient, ingest_key: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/ingest/admin_penalty", headers=ingest_key, json={"rows": _rows()}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["accepted"], body["rejected"], body["new"]) == (7, 5, 2, 5)
    _assert_counts_add_up(body)

    download = client.get(body["rejected_file"], headers=ingest_key)
    assert download.status_code == 200
    rejected = [json.loads(line) for line in download.text.splitlines() if line.strip()]
    assert {row["行政处罚决定书文号"] for row in rejected} == BAD_NUMBERS
    assert all(row[ERROR_COLUMN] for row in rejected)


def test_flagged_rows_are_listed_in_the_batch_result(
    client: TestClient, ingest_key: dict[str, str]
) -> None:
    """A 150万 fine sent as 10万 is accepted, listed by its row number with the reason."""
    rows = [good_row(0), good_row(1, 处罚内容="罚款人民币150万元", **{"罚款金额（万元）": "10"})]
    body = client.post(
        "/api/v1/ingest/admin_penalty", headers=ingest_key, json={"rows": rows}
    ).json()
    assert (body["accepted"], body["flagged"]) == (2, 1)
    assert body["flags"] == [
        {
            "row": 2,
            "reason": "罚款金额（万元）（CF_NR_FK）：金额100000元与处罚内容中的"
            "1500000元不一致，请核对",
        }
    ]


def test_each_json_push_keeps_its_own_rejected_rows(
    client: TestClient, ingest_key: dict[str, str]
) -> None:
    first = client.post(
        "/api/v1/ingest/admin_penalty",
        headers=ingest_key,
        json={"rows": [good_row(0), good_row(1, 处罚决定日期="2026-13-45")]},
    ).json()
    second = client.post(
        "/api/v1/ingest/admin_penalty",
        headers=ingest_key,
        json={"rows": [good_row(10), good_row(11, 处罚决定日期="not a date")]},
    ).json()
    assert first["batch_id"] != second["batch_id"]

    download = client.get(first["rejected_file"], headers=ingest_key)

    rejected = [json.loads(line) for line in download.text.splitlines() if line.strip()]
    assert [row["行政处罚决定书文号"] for row in rejected] == ["示市监罚〔2026〕2号"]


def test_without_a_key_the_api_answers_401_in_chinese(client: TestClient, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "penalties.csv", _rows(), headers=HEADERS)

    response = _upload(client, {}, path)

    assert response.status_code == 401
    assert "API 密钥" in response.json()["detail"]


def test_an_unknown_key_is_treated_as_no_key(client: TestClient) -> None:
    response = client.post(
        "/api/v1/ingest/admin_penalty",
        headers={"X-API-Key": "xy_not-a-real-key"},
        json={"rows": [good_row(0)]},
    )
    assert response.status_code == 401


def test_a_read_only_key_may_not_ingest(
    client: TestClient, session: Session, market_bureau: Department
) -> None:
    read_key = _key(session, market_bureau, ["read"])

    response = client.post(
        "/api/v1/ingest/admin_penalty", headers=read_key, json={"rows": [good_row(0)]}
    )

    assert response.status_code == 403
    assert "ingest" in response.json()["detail"]


def test_unknown_catalog_item_is_404(client: TestClient, ingest_key: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/ingest/no_such_item", headers=ingest_key, json={"rows": [good_row(0)]}
    )
    assert response.status_code == 404


def test_body_without_rows_is_422_in_chinese(
    client: TestClient, ingest_key: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/ingest/admin_penalty", headers=ingest_key, json={"data": [good_row(0)]}
    )
    assert response.status_code == 422
    assert "rows" in response.json()["detail"]


def test_upload_of_an_unsupported_file_type_is_422_in_chinese(
    client: TestClient, ingest_key: dict[str, str], tmp_path: Path
) -> None:
    letter = tmp_path / "cover-letter.docx"
    letter.write_bytes(b"PK\x03\x04 not really a Word file")

    response = _upload(client, ingest_key, letter)

    assert response.status_code == 422
    assert "不支持的文件类型" in response.json()["detail"]


def _public_penalties(client: TestClient, code: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/subjects/{code}")
    assert response.status_code == 200, response.text
    return [r for r in response.json()["records"] if r["item"] == "admin_penalty"]


def test_penalty_is_not_public_until_published(
    client: TestClient, ingest_key: dict[str, str], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "penalties.csv", _rows(), headers=HEADERS)

    assert _upload(client, ingest_key, path).status_code == 200

    code, _ = COMPANIES[0]
    assert _public_penalties(client, code) == []


def _may_publish_penalties(session: Session, department: Department) -> None:
    department.publish_items = ["admin_penalty"]
    session.commit()


def test_publish_on_arrival_needs_the_department_s_right_for_the_item(
    client: TestClient, session: Session, market_bureau: Department, ingest_key: dict[str, str]
) -> None:
    refused = client.post(
        "/api/v1/ingest/admin_penalty",
        headers=ingest_key,
        params={"publish": "true"},
        json={"rows": [good_row(3)]},
    )
    assert refused.status_code == 403 and "报送即公示" in refused.json()["detail"]
    session.expire_all()
    assert session.execute(select(Record)).first() is None  # nothing loaded
    _may_publish_penalties(session, market_bureau)
    assert (
        client.post(
            "/api/v1/ingest/admin_penalty", headers=ingest_key, json={"rows": [good_row(3)]}
        ).json()["accepted"]
        == 1
    )
    assert len(_public_penalties(client, COMPANIES[3][0])) == 1  # published on arrival


def test_penalty_loaded_with_publish_is_public(
    client: TestClient,
    session: Session,
    market_bureau: Department,
    ingest_key: dict[str, str],
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "penalties.csv", _rows(), headers=HEADERS)
    _may_publish_penalties(session, market_bureau)

    assert _upload(client, ingest_key, path, publish=True).status_code == 200

    code, _ = COMPANIES[0]
    assert len(_public_penalties(client, code)) == 1
    rejected_subject = client.get(f"/api/v1/subjects/{COMPANIES[5][0]}")
    assert rejected_subject.status_code == 404  # its only row was rejected


def test_json_rows_with_publish_are_public(
    client: TestClient, session: Session, market_bureau: Department, ingest_key: dict[str, str]
) -> None:
    _may_publish_penalties(session, market_bureau)
    response = client.post(
        "/api/v1/ingest/admin_penalty",
        headers=ingest_key,
        params={"publish": "true"},
        json={"rows": [good_row(3)]},
    )
    assert response.status_code == 200

    assert len(_public_penalties(client, COMPANIES[3][0])) == 1


def test_records_carry_the_key_department(
    client: TestClient,
    session: Session,
    market_bureau: Department,
    ingest_key: dict[str, str],
    tmp_path: Path,
) -> None:
    other = create_department(session, ADMIN, OTHER_AUTHORITY, "示范市生态环境局")
    session.commit()
    path = write_csv(tmp_path / "penalties.csv", _rows(), headers=HEADERS)
    _upload(client, ingest_key, path)
    client.post("/api/v1/ingest/admin_penalty", headers=ingest_key, json={"rows": [good_row(20)]})

    records = session.execute(select(Record).where(Record.item == "admin_penalty")).scalars().all()

    assert len(records) == 6
    assert {r.department_id for r in records} == {market_bureau.id}
    assert other.id != market_bureau.id


def test_another_department_cannot_download_the_rejected_rows(
    client: TestClient,
    session: Session,
    ingest_key: dict[str, str],
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "penalties.csv", _rows(), headers=HEADERS)
    body = _upload(client, ingest_key, path).json()
    other = create_department(session, ADMIN, OTHER_AUTHORITY, "示范市生态环境局")
    other_key = _key(session, other, ["ingest"])

    refused = client.get(body["rejected_file"], headers=other_key)
    assert refused.status_code == 403 and "其他部门" in refused.json()["detail"]
    assert client.get(body["rejected_file"], headers=ingest_key).status_code == 200


def test_each_upload_keeps_its_own_rejected_rows(
    client: TestClient, ingest_key: dict[str, str], tmp_path: Path
) -> None:
    batches = []
    for n in range(20):  # departments send the same file name every day
        folder = tmp_path / f"day-{n}"
        folder.mkdir()
        path = write_csv(
            folder / "penalties.csv", [good_row(n, 处罚决定日期="not a date")], headers=HEADERS
        )
        batches.append((_upload(client, ingest_key, path).json(), f"示市监罚〔2026〕{n + 1}号"))

    served = {
        number: _csv_rows(client.get(body["rejected_file"], headers=ingest_key).content)[0][
            "行政处罚决定书文号"
        ]
        for body, number in batches
    }

    wrong = {number: shown for number, shown in served.items() if number != shown}
    assert wrong == {}
