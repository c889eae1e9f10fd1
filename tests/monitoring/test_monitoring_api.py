"""Warnings, trends and monitoring over the API and the command line."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient
from helpers import org, penalty_values, save_penalty, staff_headers
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from xinyong.cli.main import cli
from xinyong.subjects.models import Subject


def city(session: Session) -> Subject:
    subject = org(session)
    subject.industry = "F5212"
    values = penalty_values(subject, ["吊销许可证件"], date(2026, 11, 2), "示市监罚〔2026〕7号")
    save_penalty(session, subject, values)
    session.commit()
    return subject


def test_warnings_are_staff_only_and_acknowledged_over_the_api(
    client: TestClient, session: Session
) -> None:
    subject = city(session)
    headers = staff_headers(session, ["admin"])
    assert client.get("/api/v1/warnings").status_code == 401
    code, out = _cli("warnings", "run", "--day", "2026-11-22", "--json")
    assert code == 0 and json.loads(out)["by_rule"]["serious_penalty"] >= 1
    listed = client.get("/api/v1/warnings", headers=headers).json()
    red = [w for w in listed["items"] if w["rule"] == "serious_penalty"]
    assert red and red[0]["subject"]["code"] == subject.uscc and red[0]["level"] == "红"
    done = client.post(
        f"/api/v1/warnings/{red[0]['id']}/acknowledge", headers=headers, json={"note": "已约谈"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "closed" and done.json()["note"] == "已约谈"
    again = client.post(f"/api/v1/warnings/{red[0]['id']}/acknowledge", headers=headers, json={})
    assert again.status_code == 409 and "已确认关闭" in again.json()["detail"]
    missing = client.post("/api/v1/warnings/999999/acknowledge", headers=headers, json={})
    assert missing.status_code == 404 and "不存在" in missing.json()["detail"]


def test_trend_numbers_download_as_csv_and_xlsx(client: TestClient, session: Session) -> None:
    city(session)
    headers = staff_headers(session, ["admin"])
    query = "/api/v1/trends?measure=penalties&dimension=industry&month=2026-11&months=3"
    answer = client.get(query, headers=headers).json()
    assert answer["months"] == ["2026-09", "2026-10", "2026-11"]
    assert answer["series"][0]["label"] == "F 批发和零售业"
    assert answer["series"][0]["values"] == [0, 0, 1]
    csv = client.get(query + "&format=csv", headers=headers)
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert (
        lines[0] == "指标,行业,月份,数量,变化点"
        and lines[-1] == "行政处罚,F 批发和零售业,2026-11,1,否"
    )
    xlsx = client.get(query + "&format=xlsx", headers=headers)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows: list[Any] = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("指标", "行业", "月份", "数量", "变化点") and rows[-1][3] == 1
    bad = client.get("/api/v1/trends?measure=votes", headers=headers)
    assert bad.status_code == 422 and "指标（measure）“votes”不存在" in bad.json()["detail"]


def test_monitoring_is_computed_read_and_drilled_over_the_api_and_the_cli(
    client: TestClient, session: Session
) -> None:
    city(session)
    headers = staff_headers(session, ["admin"])
    code, out = _cli("monitoring", "compute", "--month", "2026-11", "--json")
    assert code == 0, out
    report = json.loads(out)
    timeliness = next(
        r for r in report["indicators"] if r["indicator"] == "penalty_publicity_timeliness"
    )
    # Published on 2 May for a decision of 2 November: a wrong date, not a timely publication.
    assert (timeliness["numerator"], timeliness["denominator"]) == (0, 1)
    code, text = _cli("monitoring", "compute", "--month", "2026-11")
    assert code == 0 and "行政处罚信息7个工作日内公示率：0.00%（0/1，未达标）" in text
    code, text = _cli("monitoring", "compute", "--month", "11/2026")
    assert code != 0 and "不是 YYYY-MM 格式的月份" in text

    recomputed = client.post("/api/v1/monitoring/2026-11/compute", headers=headers)
    assert recomputed.status_code == 200 and len(recomputed.json()["indicators"]) >= 20
    board = client.get("/api/v1/monitoring/2026-11", headers=headers).json()
    assert any(f["indicator"] == "penalty_publicity_timeliness" for f in board["followups"])
    rows = client.get(
        "/api/v1/monitoring/2026-11/indicators/penalty_publicity_timeliness/rows?part=denominator",
        headers=headers,
    ).json()
    assert [r["item"] for r in rows["rows"]] == ["admin_penalty"] and rows["count"] == 1
    bad = client.get("/api/v1/monitoring/2026-99", headers=headers)
    assert bad.status_code == 422 and "不是 YYYY-MM" in bad.json()["detail"]
    task = board["followups"][0]
    no_note = client.post(
        f"/api/v1/monitoring-followups/{task['id']}", headers=headers, json={"state": "done"}
    )
    assert no_note.status_code == 422 and "须填写整改说明" in no_note.json()["detail"]
    done = client.post(
        f"/api/v1/monitoring-followups/{task['id']}",
        headers=headers,
        json={"state": "done", "note": "已督促按期公示"},
    )
    assert done.status_code == 200 and done.json()["state_label"] == "已完成"
    assert datetime.fromisoformat(done.json()["closed_at"])


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output
