"""Real published files (issue 28), loaded as a department clerk would send them.

The files are third-party data kept outside this repository (``shared/realdata`` beside the
checkout, README there: sources and licences); the tests skip when the folder is absent and
never copy the files here (a trimmed part is written to the test's temporary folder).
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from realdata import MARKET, REALDATA, real
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.accounts.service import create_api_key, create_department
from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.demo.identities import IdentityMaker
from xinyong.ingest.pipeline import IngestResult, ingest_file
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

ADMIN = Actor("cli:test-admin", "local")
COURT = IdentityMaker(random.Random(3)).uscc("11", "230100")
TAIFU = "91230199744190927K"  # 哈尔滨泰富电气有限公司, the court list's one debtor


pytestmark = pytest.mark.skipif(REALDATA is None, reason="shared/realdata is absent")


def _department(session: Session, uscc: str, name: str) -> Department:
    department = create_department(session, ADMIN, uscc, name)
    session.commit()
    return department


def load(
    session: Session, item: str, path: Path, department: Department, tmp_path: Path
) -> IngestResult:
    started = time.perf_counter()
    result = ingest_file(
        session, item, path, actor=ADMIN, department=department, rejected_dir=tmp_path
    )
    session.commit()
    print(  # the numbers the report quotes (pytest -s)
        f"{path.name}: {result.total} rows, {result.accepted} accepted, "
        f"{result.rejected} rejected, {time.perf_counter() - started:.2f} s"
    )
    return result


def rejected_reasons(result: IngestResult, encoding: str = "utf-8-sig") -> list[str]:
    assert result.rejected_file is not None
    path = Path(result.rejected_file)
    if path.suffix == ".jsonl":
        return [json.loads(line)["错误说明"] for line in path.read_text("utf-8").splitlines()]
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        column = list(rows[0]).index("错误说明")
        return [str(r[column]) for r in rows[1:]]
    with path.open(encoding=encoding, newline="") as handle:
        return [row["错误说明"] for row in csv.DictReader(handle)]


def stored_values(session: Session, item: str) -> list[dict[str, Any]]:
    rows = session.execute(select(Record).where(Record.item == item)).scalars()
    return [r.fields for r in rows]


# (file, total, accepted): every row whose data is valid is accepted; the README's rejects
# stay rejected (the code "无", the 18 garbled 2002 rows), and so does every row whose
# required 法定代表人 is "N/A" (the placeholder rule: 680 of the 2002 Hainan rows).
REGISTRATION = [
    ("registration_imhuster_2003_hainan.csv", 771, 771),
    ("registration_imhuster_2003_hainan.json", 771, 771),
    ("registration_imhuster_2003_ningxia.csv", 1104, 1100),
    ("registration_imhuster_2003_beijing.csv", 5562, 5560),
    ("registration_imhuster_2002_hainan.csv", 698, 0),
]


@pytest.mark.parametrize(("name", "total", "accepted"), REGISTRATION)
def test_registration_exports_load_as_published(
    session: Session, tmp_path: Path, name: str, total: int, accepted: int
) -> None:
    market = _department(session, MARKET, "示范市市场监督管理局")
    result = load(session, "registration_basics", real(name), market, tmp_path)
    assert (result.total, result.accepted, result.rejected) == (total, accepted, total - accepted)
    placeholders = get_catalog().placeholders
    for fields in stored_values(session, "registration_basics"):
        assert not any(isinstance(v, str) and placeholders.means_empty(v) for v in fields.values())
        assert fields["DJ_SJLYDM"] == MARKET  # the submitting department is every row's source
    if result.rejected:
        reasons = rejected_reasons(result)
        assert all(reasons)
        if name.startswith("registration_imhuster_2002"):
            on_placeholder = [r for r in reasons if "“N/A”表示空缺" in r and "DJ_FDDBR" in r]
            assert len(on_placeholder) == 680
            ragged = "本行有11个字段，表头有10列：字段数过多（可能有值中的逗号没有加引号），"
            ragged += "本行未载入"
            assert reasons.count(ragged) == 2  # the two rows with one cell too many


def test_capital_is_read_with_its_unit_and_currency(session: Session, tmp_path: Path) -> None:
    market = _department(session, MARKET, "示范市市场监督管理局")
    load(
        session,
        "registration_basics",
        real("registration_imhuster_2003_hainan.csv"),
        market,
        tmp_path,
    )
    by_code = {f["DJ_SHXYM"]: f for f in stored_values(session, "registration_basics")}
    hainan_fish = by_code["91460000742593191M"]  # "1,485.6000(万港币)"
    assert (hainan_fish["DJ_ZCZB"], hainan_fish["DJ_ZCZB_BZ"]) == ("1485.6000", "港币")
    dollars = [f for f in by_code.values() if f.get("DJ_ZCZB_BZ") == "美元"]
    assert {f["DJ_ZCZB"] for f in dollars} >= {"150", "194.4900", "300"}
    yuan = by_code["914600007425904924"]  # "100(万元)"
    assert (yuan["DJ_ZCZB"], yuan["DJ_ZCZB_BZ"]) == ("100", "人民币")
    unknown = by_code["9146000074258675X8"]  # "N/A": simply empty
    assert "DJ_ZCZB" not in unknown or unknown["DJ_ZCZB"] is None
    assert not unknown.get("DJ_ZCZB_BZ")


def _chain_registration(tmp_path: Path) -> Path:
    """The company's own registration row: the first table of createChain.csv."""
    text = real("dishonest_jkspider_createChain.csv").read_bytes().decode("gb18030")
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]  # \r\r\n
    path = tmp_path / "taifu_registration.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows[:2])
    return path


def test_court_list_loads_its_29_cases_against_the_full_code(
    session: Session, tmp_path: Path
) -> None:
    market = _department(session, MARKET, "示范市市场监督管理局")
    court = _department(session, COURT, "示范市中级人民法院")
    shixin = real("dishonest_jkspider_shixin.csv")  # GB18030, lines ending \r\r\n
    before = load(session, "dishonest_judgment_debtor", shixin, court, tmp_path)
    assert (before.total, before.accepted, before.rejected) == (29, 0, 29)
    reasons = rejected_reasons(before, "gb18030")
    assert all("组织机构代码或打码的统一社会信用代码" in r for r in reasons)
    assert "74419092-7" in reasons[1]
    assert (
        load(
            session, "registration_basics", _chain_registration(tmp_path), market, tmp_path
        ).accepted
        == 1
    )
    result = load(session, "dishonest_judgment_debtor", shixin, court, tmp_path)
    assert (result.total, result.accepted, result.rejected) == (29, 29, 0)
    assert result.unknown_columns == ["省份"]
    subjects = session.execute(
        select(Subject.uscc)
        .join(Record, Record.subject_id == Subject.id)
        .where(Record.item == "dishonest_judgment_debtor")
    ).scalars()
    assert set(subjects) == {TAIFU}
    cases = stored_values(session, "dishonest_judgment_debtor")
    assert len({c["SX_AH"] for c in cases}) == 29
    assert {c["SX_LB"] for c in cases} == {"法人及非法人组织"}
    assert all(c["SX_ZCDW"] for c in cases)  # 做出执行依据单位
    assert {c["SX_SJLY"] for c in cases} == {"示范市中级人民法院"}


CBIRC = [
    ("penalty_cbirc_4113.xlsx", 115),
    ("penalty_cbirc_4114.xlsx", 4387),
    ("penalty_cbirc_4115.xlsx", 8575),
]


@pytest.mark.parametrize(("name", "total"), CBIRC)
def test_cbirc_penalty_tables_load_with_reasons(
    session: Session, tmp_path: Path, name: str, total: int
) -> None:
    """The tables name no code of any party or authority: nothing can be linked, so every
    row is rejected, each with the reason; their own headers are all recognised."""
    regulator = _department(session, MARKET, "示范市金融监管分局")
    result = load(session, "admin_penalty", real(name), regulator, tmp_path)
    assert (result.total, result.rejected) == (total, total)
    assert set(result.unknown_columns) <= {"链接", "标题", "发布日期", "被处罚当事人"}
    assert result.error_kinds["CF_XDR_LB"] > 0 and result.error_kinds["CF_CFJGDM"] == total
    assert "CF_SJLY" not in result.error_kinds  # the submitting department is the source


def _upload(client: TestClient, headers: dict[str, str], item: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        answer = client.post(
            f"/api/v1/ingest/{item}",
            headers=headers,
            files={"file": (path.name, handle, "application/octet-stream")},
        )
    assert answer.status_code in (200, 202), answer.text
    if answer.status_code == 200:
        return dict(answer.json())
    for _ in range(600):
        body = client.get(answer.json()["status_url"], headers=headers).json()
        if body["state"] in ("done", "failed"):
            assert body["state"] == "done", body
            return dict(body)
        time.sleep(0.1)
    raise AssertionError("batch still running")


def test_api_uploads_of_the_real_files(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    market = _department(session, MARKET, "示范市市场监督管理局")
    court = _department(session, COURT, "示范市中级人民法院")
    keys = {}
    for name, department in (("market", market), ("court", court)):
        keys[name] = {
            "X-API-Key": create_api_key(session, ADMIN, ["ingest"], department=department).key
        }
    session.commit()
    document = _upload(
        client,
        keys["market"],
        "registration_basics",
        real("registration_imhuster_2003_hainan.json"),
    )
    assert (document["total"], document["accepted"]) == (771, 771)
    ragged = _upload(
        client, keys["market"], "registration_basics", real("registration_imhuster_2002_hainan.csv")
    )
    assert (ragged["total"], ragged["accepted"], ragged["rejected"]) == (698, 0, 698)
    _upload(client, keys["market"], "registration_basics", _chain_registration(tmp_path))
    cases = _upload(
        client, keys["court"], "dishonest_judgment_debtor", real("dishonest_jkspider_shixin.csv")
    )
    assert (cases["total"], cases["accepted"]) == (29, 29)
    page = client.get(f"/subjects/{TAIFU}")  # the public subject page, from registration data
    assert page.status_code == 200
    for shown in (
        "法定代表人",
        "杨天夫",
        "成立日期",
        "2003-04-10",
        "哈尔滨开发区哈平路集中区哈平西路9号",
    ):
        assert shown in page.text
    hainan = client.get("/subjects/914600007425904924")  # from the JSON export
    assert "吴建社" in hainan.text and "2003-01-02" in hainan.text
