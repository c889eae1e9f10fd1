"""No bank read of a natural person's data succeeds without the person's authorisation: every
read endpoint of the API, with a bank's keys of every scope, finds nothing of the person;
after the person authorises the bank, the authorised read returns the record."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from helpers import csrf_token
from lending_city import PASSWORD, LendingCity, lending_city
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_api_key
from xinyong.api import deps
from xinyong.audit.log import Actor
from xinyong.permissions.routes import ROUTE_ACTIONS

DOCUMENT = "示市监罚〔2026〕21号"  # the citizen's penalty (not public)


def _reads(city: LendingCity) -> list[str]:
    values = {"code": city.resident_id, "item": "admin_penalty", "model": "yiwu_enterprise"}
    urls = []
    for key in ROUTE_ACTIONS:
        method, path = key.split(" ", 1)
        if method == "GET" and path.startswith("/api/"):
            urls.append(re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path))
    return urls


def test_every_read_endpoint_refuses_a_bank_the_person_until_authorised(
    client: TestClient, session: Session
) -> None:
    deps.forget_keys()
    city = lending_city(session)
    wide = create_api_key(
        session, Actor("cli:test"), ["read", "checks", "lending"], consumer_id=city.bank_id
    ).key
    session.commit()
    secrets = (city.resident_id, "陈小明", DOCUMENT)
    leaks = []
    for headers in (city.bank_key, {"X-API-Key": wide}):
        for url in _reads(city):
            for params in (
                {},
                {"q": city.resident_id, "purpose": "贷款审查"},
                {"q": "陈小明", "purpose": "贷款审查"},
            ):
                answer = client.get(url, params=params, headers=headers)
                assert answer.status_code < 500, (url, answer.text)
                # An answer may repeat the code it was asked about, nothing more of the person.
                text = (
                    answer.text.replace(city.resident_id, "")
                    if answer.status_code >= 400
                    else answer.text
                )
                if any(s in text for s in secrets):
                    leaks.append(f"{url} {params}: {answer.status_code} {answer.text[:200]}")
        check = client.post(
            "/api/v1/checks",
            json={"subjects": [city.resident_id], "matter": "LN", "purpose": "贷前审查"},
            headers=headers,
        )
        assert check.status_code == 403 and "本人授权" in check.json()["detail"]
    assert leaks == []

    form = client.get("/me/login", params={"kind": "citizen"}).text
    client.post(
        "/me/login",
        data={
            "kind": "citizen",
            "resident_id": city.resident_id,
            "password": PASSWORD,
            "csrf_token": csrf_token(form),
        },
    )
    page = client.get("/me").text
    assert "陈小明" in page, page[-600:]
    granted = client.post(
        "/me/authorisations",
        data={
            "consumer_id": city.bank_id,
            "items": ["admin_penalty"],
            "days": 7,
            "purpose": "个人经营贷款审查",
            "csrf_token": csrf_token(page),
        },
    )
    assert granted.status_code == 200 and "已授权" in granted.text
    number = re.search(r"已授权（编号 (\d+)）", granted.text)
    assert number is not None
    read = client.get(
        f"/api/v1/authorisations/{number.group(1)}/records/admin_penalty", headers=city.bank_key
    )
    assert read.status_code == 200 and DOCUMENT in read.text
    assert city.resident_id not in read.text  # masked even so
    assert "个人经营贷款审查" in client.get("/me").text
