"""The interface service: key states, quotas (in the process and in Redis), usage counts."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from xinyong.api import deps
from xinyong.api.app import create_app
from xinyong.cli.main import cli
from xinyong.gateway import quotas, usage
from xinyong.settings import reset_settings


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def api(city: Any, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("XINYONG_TODAY", "2026-11-22")
    reset_settings()
    deps.forget_keys()
    quotas.counter.cache_clear()
    usage.recorder.take()  # counts of earlier tests
    return TestClient(create_app())


def _key_number(key: str) -> str:
    listed = CliRunner().invoke(cli, ["apikeys", "list", "--json"]).output
    import json

    return str(next(k["id"] for k in json.loads(listed) if key.startswith(k["prefix"])))


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _forget_after_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    now = deps.time.monotonic()
    monkeypatch.setattr(deps.time, "monotonic", lambda: now + deps.KEY_CACHE_SECONDS + 0.01)


def test_a_suspended_or_expired_key_is_401_with_the_reason_then_works_again(
    api: TestClient, city: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = city.who["read"].headers
    assert api.get("/api/v1/catalog", headers=headers).status_code == 200
    number = _key_number(headers["X-API-Key"])
    assert "已暂停" in _cli("apikeys", "suspend", number)
    _forget_after_cache(monkeypatch)  # within one second on every server
    refused = api.get("/api/v1/catalog", headers=headers)
    assert refused.status_code == 401 and "暂停使用" in refused.json()["detail"]
    _cli("apikeys", "resume", number)
    assert api.get("/api/v1/catalog", headers=headers).status_code == 200
    _cli("apikeys", "limits", number, "--expires", "2026-01-01")
    deps.forget_keys()
    expired = api.get("/api/v1/catalog", headers=headers)
    assert expired.status_code == 401 and "过期" in expired.json()["detail"]


def test_a_rotated_key_overlaps_then_only_the_new_one_works(
    api: TestClient, city: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = city.who["read"].headers
    import json

    rotated = json.loads(_cli("apikeys", "rotate", _key_number(old["X-API-Key"]), "--json"))
    new = {"X-API-Key": rotated["key"]}
    assert api.get("/api/v1/catalog", headers=old).status_code == 200  # the overlap
    assert api.get("/api/v1/catalog", headers=new).status_code == 200
    _cli("apikeys", "rotate", rotated["id"] and str(rotated["id"]), "--overlap-hours", "0")
    deps.forget_keys()
    assert api.get("/api/v1/catalog", headers=new).status_code == 401


def _quota(city: Any, name: str, per_minute: int) -> dict[str, str]:
    headers = city.who[name].headers
    _cli("apikeys", "limits", _key_number(headers["X-API-Key"]), "--per-minute", str(per_minute))
    deps.forget_keys()
    return headers


def test_the_sixth_call_over_a_quota_of_five_a_minute_is_429(api: TestClient, city: Any) -> None:
    headers = _quota(city, "checks", 5)
    body = {"subjects": ["示范市鸿泰贸易有限公司"], "matter": "GP", "purpose": "资格审查"}
    answers = [api.post("/api/v1/checks", headers=headers, json=body) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    over = answers[5]
    assert over.status_code == 429 and "配额" in over.json()["detail"]
    assert int(over.headers["Retry-After"]) <= 60
    assert over.headers["X-RateLimit-Limit"] == "5"
    assert over.headers["X-RateLimit-Remaining"] == "0"
    # Another key is not counted against it.
    assert api.get("/api/v1/catalog", headers=city.who["read"].headers).status_code == 200


@pytest.mark.skipif(not _redis_up(), reason="Redis not reachable on 127.0.0.1:6379")
def test_with_redis_two_servers_share_the_count(
    city: Any, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    import redis

    monkeypatch.setenv("XINYONG_REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("XINYONG_TODAY", "2026-11-22")
    reset_settings()
    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    quotas.counter.cache_clear()
    headers = _quota(city, "read", 4)
    first, second = TestClient(create_app()), TestClient(create_app())
    quotas.counter.cache_clear()  # each "server" with its own connection
    codes = [
        (first if n % 2 else second).get("/api/v1/catalog", headers=headers).status_code
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    quotas.counter.cache_clear()


def test_every_call_is_counted_by_caller_family_and_status(
    api: TestClient, city: Any, session: Session
) -> None:
    read = city.who["read"].headers
    for _ in range(3):
        api.get("/api/v1/catalog", headers=read)
    api.get("/api/v1/subjects/914405007080295548", headers=read)  # 404
    api.get("/api/v1/catalog")
    shown = api.get("/api/v1/usage", headers=city.who["admin_key"].headers).json()
    callers = {c["caller"]: c["calls"] for c in shown["callers"]}
    prefix = read["X-API-Key"][:10]
    assert callers[f"apikey:{prefix}"] == 4 and callers["public"] == 1
    day = next(d for d in shown["days"] if d["day"] == "2026-11-22")
    assert day["errors"] >= 1 and day["p95_ms"] is not None
    families = {f["family"]: f["calls"] for f in shown["families"]}
    assert families["catalog"] == 4 and families["subjects"] == 1
    refused = api.get("/api/v1/usage", headers=read)
    assert refused.status_code == 403


def test_a_department_pulls_exactly_the_changes_since_its_cursor(
    api: TestClient, city: Any, session: Session
) -> None:
    from datetime import date

    from helpers import AUTHORITY, org, penalty_values, repair_commitment, save_penalty
    from penalty_files import good_row

    reader = city.who["read"].headers
    office = city.who["admin_key"].headers

    def pull(since: str | None) -> dict[str, Any]:
        params = {"since": since} if since else {}
        answer = api.get("/api/v1/feeds/admin_penalty", headers=reader, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), "F-1", fine_wan="0.2")
    before = save_penalty(session, subject, values).record
    repair_commitment(session, subject)
    session.commit()
    first = pull(None)
    assert [e["fields"]["CF_WSH"] for e in first["entries"]] == ["F-1"]
    cursor = first["next_cursor"]
    assert pull(cursor)["entries"] == []  # nothing new: nothing again

    # An ingest, a withdrawal and a repair.
    sent = api.post(
        "/api/v1/ingest/admin_penalty",
        headers=city.who["ingest"].headers,
        json={"rows": [good_row(1, 数据来源单位统一社会信用代码=AUTHORITY)]},
    )
    assert sent.json()["accepted"] == 1
    withdrawn = api.post(
        f"/api/v1/publications/{before.id}/actions",
        headers=office,
        json={"action": "withdraw", "kind": "revoked", "reason": "处罚决定已撤销"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    repaired_id = save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 5, 1), "F-2", fine_wan="0.2"),
    ).record.id
    session.commit()
    applied = api.post(
        "/api/v1/repairs",
        json={"record_id": repaired_id, "applicant": subject.name, "obligations_attested": True},
    ).json()
    for action in ("accept", "approve"):
        api.post(
            f"/api/v1/repairs/{applied['id']}/actions",
            headers=office,
            json={"action": action, "reason": "符合修复条件"},
        )

    changes = pull(cursor)
    seen = sorted((e["change"], e["fields"]["CF_WSH"]) for e in changes["entries"])
    assert seen == [
        ("repaired", "F-2"),
        ("version", "F-2"),
        ("version", "示市监罚〔2026〕2号"),
        ("withdrawn", "F-1"),
    ]
    assert pull(changes["next_cursor"])["entries"] == []
    refused = api.get("/api/v1/feeds/admin_penalty", headers=reader, params={"since": "x"})
    assert refused.status_code == 422 and "游标" in refused.json()["detail"]


def _consumer_key(*args: str) -> dict[str, str]:
    import json

    _cli("consumers", "create", "--contact", "王经理 0754-8888", *args)
    number = _cli("consumers", "list").splitlines()[-1].split("\t")[0]
    issued = _cli("apikeys", "create", "--scope", "read", "--consumer", number, "--json")
    return {"X-API-Key": json.loads(issued)["key"]}


def test_a_bank_reads_only_its_agreed_items_and_never_persons_or_restricted_items(
    api: TestClient, city: Any, session: Session
) -> None:
    from datetime import date

    from helpers import make_person_id, org, penalty_values, person, save_penalty

    refused = CliRunner().invoke(
        cli,
        [
            *("consumers", "create", "--name", "某银行", "--kind", "bank", "--contact", "x"),
            *("--basis", "信易贷合作协议", "--item", "utility_arrears"),
        ],
    )
    assert refused.exit_code != 0 and "有条件共享" in refused.output
    bank = _consumer_key(
        "--name",
        "示范市农村商业银行",
        "--kind",
        "bank",
        "--basis",
        "信易贷合作协议（2026）第3号",
        "--item",
        "admin_penalty",
    )
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), "B-1", fine_wan="0.2")
    save_penalty(session, subject, values)
    resident_id = make_person_id(21)
    person(session, resident_id, "周大福")
    session.commit()
    shown = api.get(f"/api/v1/subjects/{subject.uscc}", headers=bank).json()
    assert set(shown["counts"]) == {"admin_penalty"} and shown["counts"]["admin_penalty"] == 1
    found = api.get("/api/v1/subjects", params={"q": "周大福", "purpose": "贷前审查"}, headers=bank)
    assert all("*" in item["code"] for item in found.json()["items"])
    person_read = api.get(
        f"/api/v1/subjects/{resident_id}", params={"purpose": "贷前审查"}, headers=bank
    )
    assert person_read.status_code == 403 and "本人授权" in person_read.json()["detail"]


def test_a_consumer_outside_its_addresses_or_its_validity_is_refused(
    api: TestClient, city: Any
) -> None:
    fenced = _consumer_key(
        "--name",
        "某征信公司",
        "--kind",
        "credit_agency",
        "--basis",
        "备案协议",
        "--ip",
        "10.1.0.0/16",
    )
    outside = api.get("/api/v1/catalog", headers=fenced)
    assert outside.status_code == 403 and "IP 白名单" in outside.json()["detail"]
    lapsed = _consumer_key(
        "--name",
        "某政务系统",
        "--kind",
        "government_system",
        "--basis",
        "共享协议",
        "--until",
        "2026-01-31",
    )
    expired = api.get("/api/v1/catalog", headers=lapsed)
    assert expired.status_code == 401 and "有效期" in expired.json()["detail"]


def test_a_caller_far_above_its_seven_day_baseline_is_flagged(session: Session) -> None:
    from datetime import date, timedelta

    from xinyong.gateway.models import ApiUsage
    from xinyong.gateway.usage import baseline_alerts

    day = date(2026, 11, 22)
    for back in range(1, 8):
        for caller in ("apikey:steady", "apikey:runaway"):
            session.add(
                ApiUsage(
                    day=day - timedelta(days=back),
                    caller=caller,
                    family="checks",
                    status_class="2xx",
                    calls=100,
                    latency_ms=0.0,
                    histogram=[0] * 10,
                )
            )
    for caller, calls in (("apikey:steady", 300), ("apikey:runaway", 301)):
        session.add(
            ApiUsage(
                day=day,
                caller=caller,
                family="checks",
                status_class="2xx",
                calls=calls,
                latency_ms=0.0,
                histogram=[0] * 10,
            )
        )
    session.commit()
    alerts = baseline_alerts(session, day)
    assert [a["caller"] for a in alerts] == ["apikey:runaway"]  # 3x is the line, not above it
    assert "3倍" in alerts[0]["message"]


def test_the_nightly_feed_file_holds_the_changes_and_the_next_cursor(
    city: Any, session: Session, tmp_path: Any
) -> None:
    import re
    from datetime import date

    from helpers import AUTHORITY, org, penalty_values, save_penalty

    subject = org(session)
    for number in ("N-1", "=cmd|' /C calc'!A0"):
        values = penalty_values(subject, ["罚款"], date(2026, 5, 1), number, fine_wan="0.2")
        save_penalty(session, subject, values)
    session.commit()
    target = tmp_path / "feed.csv"
    printed = _cli(
        "feeds",
        "export",
        "admin_penalty",
        "--department",
        AUTHORITY,
        "--out",
        str(target),
        "--format",
        "csv",
    )
    cursor = re.search(r"游标：(\S+)", printed)
    assert cursor is not None and "已写出 2 条" in printed
    text = target.read_text("utf-8-sig")
    assert ("N-1" in text and "'=cmd" not in text.replace('""', '"')) or "'=" in text
    again = tmp_path / "feed.jsonl"
    printed = _cli(
        "feeds",
        "export",
        "admin_penalty",
        "--department",
        AUTHORITY,
        "--out",
        str(again),
        "--since",
        cursor.group(1),
    )
    assert "已写出 0 条" in printed and again.read_text("utf-8") == ""
    assert (target.stat().st_mode & 0o777) == 0o600


def test_a_family_quota_limits_that_family_only(api: TestClient, city: Any) -> None:
    headers = city.who["read"].headers
    number = _key_number(headers["X-API-Key"])
    _cli("apikeys", "limits", number, "--family", "catalog", "--per-minute", "2")
    deps.forget_keys()
    codes = [api.get("/api/v1/catalog", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    over = api.get("/api/v1/catalog", headers=headers)
    assert "“catalog”类接口" in over.json()["detail"]
    assert api.get("/api/v1/lists/black_list", headers=headers).status_code == 200


def test_an_application_is_reviewed_before_a_key_is_issued(api: TestClient, city: Any) -> None:
    api.cookies.clear()
    api.cookies.update(city.who["officer"].cookies | {"xy_csrf": "t"})
    form = {
        "csrf_token": "t",
        "name": "市场监管综合执法系统",
        "contact": "李工 0754-86660000",
        "matters": "行政许可审查时核查申请人信用",
        "basis": "《优化营商环境条例》第五十四条",
        "items": ["admin_penalty", "black_list"],
    }
    applied = api.post("/workbench/access", data=form)
    assert applied.status_code == 200 and "待信用办审核" in applied.text
    listed = _cli("consumers", "list")
    number = next(line.split("\t")[0] for line in listed.splitlines() if "执法系统" in line)
    assert "待审核" in listed
    early = CliRunner().invoke(cli, ["apikeys", "create", "--scope", "read", "--consumer", number])
    assert early.exit_code != 0 and "未经信用办批准" in early.output
    no_reason = CliRunner().invoke(
        cli, ["consumers", "review", number, "--approve", "--reason", " "]
    )
    assert no_reason.exit_code != 0 and "理由" in no_reason.output
    _cli("consumers", "review", number, "--approve", "--reason", "依据充分，事项明确")
    import json

    key = json.loads(_cli("apikeys", "create", "--scope", "read", "--consumer", number, "--json"))[
        "key"
    ]
    api.cookies.clear()
    shown = api.get(f"/api/v1/subjects/{COMPANY}", headers={"X-API-Key": key})
    assert shown.status_code in (200, 404)
    assert (
        "utility_arrears"
        not in api.get("/api/v1/subjects", params={"q": "示范"}, headers={"X-API-Key": key}).text
    )


COMPANY = "914405007080295548"


def test_counts_the_database_cannot_take_now_are_kept_for_the_next_flush(
    session: Session, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError

    from xinyong.db.engine import get_engine
    from xinyong.gateway.models import ApiUsage

    recorder = usage.UsageRecorder()
    recorder.record("apikey:locked", "checks", 200, 4.0)
    real = usage.add_counts

    def locked(*_args: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(usage, "add_counts", locked)
    assert recorder.flush(get_engine()) == 0
    monkeypatch.setattr(usage, "add_counts", real)
    recorder.record("apikey:locked", "checks", 200, 6.0)
    assert recorder.flush(get_engine()) == 2
    calls = session.execute(select(func.sum(ApiUsage.calls))).scalar_one()
    assert calls == 2
