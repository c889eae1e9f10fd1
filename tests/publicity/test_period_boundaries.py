"""Every period end, through the production path: records are ingested (cleaned, derived and
stored as in a department's batch), then the public API, the portal and the credit check are
asked on the day before a record's last public day, on that day and on the day after
(XINYONG_TODAY). An off-by-one anywhere between the rule table and the views fails here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import staff_headers
from penalty_files import AUTHORITY, COMPANIES, good_row, write_csv
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.ingest.pipeline import ingest_file, ingest_rows
from xinyong.records.models import Record
from xinyong.settings import reset_settings

CODE, NAME = COMPANIES[0]
INGESTED_ON = date(2026, 5, 31)  # every decision below is in the past on that day
ACTOR = Actor("cli:test")


@dataclass(frozen=True)
class Case:
    document: str
    last_public_day: date | None  # None: never public
    views: tuple[str, ...]  # where it shows while public
    rule: str

    def days(self) -> list[date]:
        if self.last_public_day is None:  # minor under Order 36: not published as a rule
            return [date(2026, 5, 1), date(2026, 5, 2), date(2026, 7, 31), date(2026, 8, 1)]
        last = self.last_public_day
        return [last - timedelta(days=1), last, last + timedelta(days=1)]


PENALTY_VIEWS = ("api", "portal", "publicity", "objection form")
CHECKED = (*PENALTY_VIEWS, "check")


def _penalty(n: int, decided: str, **overrides: str) -> dict[str, Any]:
    return good_row(
        n,
        company=0,
        行政处罚决定书文号=f"边界罚〔{n:02d}〕号",
        处罚决定日期=decided,
        处罚有效期=decided,
        **overrides,
    )


SERIOUS = {"处罚类别": "吊销许可证件", "处罚内容": "吊销许可证件", "罚款金额（万元）": ""}
MINOR = {"处罚类别": "警告", "处罚内容": "警告", "罚款金额（万元）": ""}
BIG_FINE = {"处罚内容": "罚款人民币100万元", "罚款金额（万元）": "100"}
PENALTY_ROWS = [
    _penalty(1, "2026-05-01"),
    _penalty(2, "2026-05-01", **SERIOUS),
    _penalty(3, "2026-05-01", **MINOR),
    _penalty(4, "2026-03-31"),
    _penalty(5, "2026-03-31", **MINOR),
    _penalty(6, "2025-06-01", **BIG_FINE),
    _penalty(7, "2023-04-30"),
    _penalty(8, "2024-02-29"),
    _penalty(9, "2026-05-01", 公示截止期="2026-12-31"),
    _penalty(10, "1990-01-01"),
]
CASES = [
    Case("边界罚〔01〕号", date(2027, 4, 30), PENALTY_VIEWS, "一般，第36号令：1年"),
    Case("边界罚〔02〕号", date(2029, 4, 30), CHECKED, "严重（吊销），第36号令：3年"),
    Case("边界罚〔03〕号", None, CHECKED, "轻微，第36号令：原则上不公示"),
    Case("边界罚〔04〕号", date(2029, 3, 30), PENALTY_VIEWS, "一般，第58号令最后一天：3年"),
    Case("边界罚〔05〕号", date(2029, 3, 30), PENALTY_VIEWS, "轻微，第58号令：3年"),
    Case("边界罚〔06〕号", date(2028, 5, 31), CHECKED, "严重（罚款100万元），第58号令：3年"),
    Case("边界罚〔07〕号", date(2026, 4, 29), PENALTY_VIEWS, "一般，2023-04-30前：3年"),
    Case("边界罚〔08〕号", date(2027, 2, 27), PENALTY_VIEWS, "闰日决定：3年后的2月28日结束"),
    Case("边界罚〔09〕号", date(2026, 12, 31), PENALTY_VIEWS, "公示截止期（含当日）"),
    Case("边界罚〔10〕号", date(1992, 12, 31), PENALTY_VIEWS, "1990-01-01，规则表第一天"),
    Case("边界黑〔01〕号", date(2027, 6, 30), ("api", "portal", "lists", "check"), "名单有效期至"),
    Case("边界许〔01〕号", date(2027, 3, 31), ("api", "portal", "licences"), "许可有效期至"),
    Case("BJ2026000001", date(2029, 1, 31), ("api", "portal"), "违诺记录：认定后3年"),
]
OTHER_ROWS: dict[str, dict[str, str]] = {
    "black_list": {
        "HM_MC": NAME,
        "HM_LB": "法人及非法人组织",
        "HM_SHXYM": CODE,
        "HM_MDLX": "重大税收违法失信主体",
        "HM_RDWH": "边界黑〔01〕号",
        "HM_RDYY": "虚开增值税专用发票",
        "HM_RDYJ": "《重大税收违法失信主体信息公布管理办法》",
        "HM_RDJG": "示范市税务局",
        "HM_RDJGDM": AUTHORITY,
        "HM_RDRQ": "2025-12-01",
        "HM_YXQZ": "2027-06-30",
        "HM_SJLY": "示范市税务局",
        "HM_SJLYDM": AUTHORITY,
    },
    "admin_license": {
        "XK_XDR_MC": NAME,
        "XK_XDR_LB": "法人及非法人组织",
        "XK_XDR_SHXYM": CODE,
        "XK_FRDB": "陈一鸣",
        "XK_XKWS": "食品经营许可决定书",
        "XK_WSH": "边界许〔01〕号",
        "XK_XKLB": "普通",
        "XK_NR": "食品经营",
        "XK_JDRQ": "2024-04-01",
        "XK_YXQZ": "2024-04-01",
        "XK_YXQZI": "2027-03-31",
        "XK_XKJG": "示范市市场监督管理局",
        "XK_XKJGDM": AUTHORITY,
        "XK_ZT": "有效",
        "XK_LYDW": "示范市市场监督管理局",
        "XK_LYDWDM": AUTHORITY,
    },
    "commitment_breach": {
        "WN_BM": "BJ2026000001",
        "WN_MC": NAME,
        "WN_LB": "法人及非法人组织",
        "WN_SHXYM": CODE,
        "WN_LX": "容缺受理型",
        "WN_WLXNR": "承诺30日内补交材料，逾期未补交",
        "WN_ZJNR": "记入信用记录",
        "WN_RDRQ": "2026-02-01",
        "WN_RDJG": "示范市市场监督管理局",
        "WN_RDJGDM": AUTHORITY,
        "WN_SJLY": "示范市市场监督管理局",
        "WN_SJLYDM": AUTHORITY,
    },
}


@pytest.fixture
def loaded(session: Session, client: TestClient, tmp_path: Path) -> dict[str, str]:
    """Everything ingested as departments send it (dual publicity published on arrival)."""
    path = write_csv(tmp_path / "boundaries.csv", PENALTY_ROWS)
    results = [
        ingest_file(session, "admin_penalty", path, actor=ACTOR, publish=True, today=INGESTED_ON)
    ]
    for item, row in OTHER_ROWS.items():
        results.append(
            ingest_rows(session, item, [row], actor=ACTOR, publish=True, today=INGESTED_ON)
        )
    session.commit()
    assert [(r.accepted, r.rejected) for r in results] == [(10, 0), (1, 0), (1, 0), (1, 0)]
    return staff_headers(session, ["checks"])


class Views:
    """What each public view shows on a day: the documents it names."""

    def __init__(
        self, client: TestClient, headers: dict[str, str], monkeypatch: Any, session: Session
    ) -> None:
        self.client, self.headers, self.monkeypatch = client, headers, monkeypatch
        records = session.execute(select(Record)).scalars()
        self.ids = {r.id: str(r.fields) for r in records}
        self.fetchers: dict[str, Callable[[date], str]] = {
            "api": lambda day: self._get(f"/api/v1/subjects/{CODE}"),
            "portal": lambda day: self._get(f"/subjects/{CODE}"),
            "publicity": lambda day: self._get(f"/publicity?since=1990-01-01&until={day}"),
            "licences": lambda day: self._get(
                f"/publicity?kind=license&since=1990-01-01&until={day}"
            ),
            "lists": lambda day: (
                self._get("/lists/black_list") + self._get("/api/v1/lists/black_list")
            ),
            "check": lambda day: str(self._check()),
            "objection form": lambda day: self._forms(),
        }

    def _forms(self) -> str:
        """The portal's objection forms that open (the others answer 404)."""
        shown = []
        for record_id, fields in self.ids.items():
            response = self.client.get(f"/objections/new?record_id={record_id}")
            assert response.status_code in (200, 404)
            shown += [fields] if response.status_code == 200 else []
        return " ".join(shown)

    def _get(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.text)
        return response.text

    def _check(self) -> list[str | None]:
        response = self.client.post(
            "/api/v1/checks",
            headers=self.headers,
            json={"subjects": [CODE], "matter": "GP", "purpose": "公示期边界测试"},
        )
        assert response.status_code == 200, response.text
        return [hit["document"] for hit in response.json()["results"][0]["hits"]]

    def on(self, day: date, view: str) -> str:
        self.monkeypatch.setenv("XINYONG_TODAY", day.isoformat())
        reset_settings()
        return self.fetchers[view](day)


def test_public_on_the_last_day_and_not_the_day_after(
    client: TestClient, loaded: dict[str, str], monkeypatch: pytest.MonkeyPatch, session: Session
) -> None:
    views = Views(client, loaded, monkeypatch, session)
    wrong = []
    for case in CASES:
        for day in case.days():
            public = case.last_public_day is not None and day <= case.last_public_day
            for view in case.views:
                # list entries are shown by subject, not by document
                shown = (NAME if view == "lists" else case.document) in views.on(day, view)
                if shown is not public:
                    wrong.append(f"{case.rule}: {day} {view} {'应' if public else '不应'}公开")
    assert not wrong
