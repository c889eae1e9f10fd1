"""Every route, for every kind of caller, answers allowed or denied as expected.

The routes come from the application itself; the expected callers of each action are
written here, apart from the permission model, so a change to either shows up as a failure.
A denied request answers 401 (no or bad credentials; the workbench sends the login page) or
403, with a Chinese reason, and changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.api.app import create_app
from xinyong.audit.models import AuditEntry
from xinyong.objections.models import Objection
from xinyong.permissions.routes import (
    ROUTE_ACTIONS,
    RouteWithoutPermission,
    check_routes,
    iter_route_keys,
)
from xinyong.records.models import Record

ANYONE = frozenset(
    {
        "anonymous",
        "read",
        "checks",
        "ingest",
        "admin_key",
        "admin",
        "reviewer",
        "auditor",
        "officer",
        "other_officer",
        "bank",
        "enterprise",
        "citizen",
    }
)
SUBJECTS = frozenset({"enterprise", "citizen"})
STAFF_USERS = frozenset({"admin", "reviewer", "auditor", "officer", "other_officer"})
READERS = STAFF_USERS | {"read", "admin_key"}
OFFICE_READERS = frozenset({"admin", "reviewer", "auditor", "read", "admin_key"})
DECIDERS = frozenset({"admin", "reviewer", "admin_key"})

# Who may reach the routes of each action (written independently of the model).
EXPECTED: dict[str, frozenset[str]] = {
    "public.read": ANYONE,
    "session.login": ANYONE,
    "objection.file": ANYONE,
    "repair.apply": ANYONE,
    "workbench.enter": STAFF_USERS,
    "quality.read": READERS,
    "conflict.read": READERS,
    "joint.read": READERS,
    "publication.read": READERS,
    "objection.read": OFFICE_READERS,
    "repair.read": OFFICE_READERS,
    "list.read_recognitions": OFFICE_READERS,
    "audit.read": frozenset({"auditor"}),
    "usage.read": frozenset({"admin", "auditor", "admin_key"}),
    "ops.metrics": frozenset({"admin", "auditor", "admin_key"}),
    "feed.read": READERS,
    "evaluation.read": READERS,
    "exchange.read": READERS,
    "integrity.read_arrears": READERS,
    "exchange.read_queue": frozenset(
        {"ingest", "admin_key", "admin", "reviewer", "auditor", "officer", "other_officer"}
    ),
    "exchange.resubmit": frozenset(
        {"ingest", "admin_key", "admin", "reviewer", "officer", "other_officer"}
    ),
    "exchange.manage": DECIDERS,
    "warning.read": STAFF_USERS | {"admin_key"},
    "trend.read": STAFF_USERS | {"admin_key"},
    "monitoring.read": STAFF_USERS | {"admin_key"},
    "warning.handle": frozenset({"admin_key", "admin", "reviewer", "officer", "other_officer"}),
    "monitoring.followup": frozenset(
        {"admin_key", "admin", "reviewer", "officer", "other_officer"}
    ),
    "monitoring.compute": DECIDERS,
    "records.ingest": frozenset({"ingest", "admin_key", "admin", "officer", "other_officer"}),
    "batch.read_rejected": frozenset(
        {"ingest", "admin_key", "admin", "auditor", "officer", "other_officer"}
    ),
    "publication.request": frozenset(
        {"ingest", "admin_key", "admin", "reviewer", "officer", "other_officer"}
    ),
    "joint.feedback": frozenset(
        {"checks", "admin_key", "admin", "reviewer", "officer", "other_officer"}
    ),
    "conflict.resolve": frozenset({"admin_key", "admin", "reviewer", "officer", "other_officer"}),
    "check.run": frozenset(
        {"checks", "admin_key", "admin", "reviewer", "officer", "other_officer", "bank"}
    ),
    "check.read_bulk": frozenset(
        {"checks", "admin_key", "admin", "reviewer", "auditor", "officer", "other_officer"}
    ),
    "publication.review": DECIDERS,
    "publication.withdraw": DECIDERS,
    "objection.decide": DECIDERS,
    "repair.decide": DECIDERS,
    "list.recognise": DECIDERS,
    "commitment.breach": DECIDERS,
    "joint.initiate": DECIDERS | {"checks"},
    "article.manage": frozenset({"admin", "admin_key"}),
    "account.manage": frozenset({"admin", "admin_key"}),
    "access.apply": frozenset({"admin", "admin_key", "officer", "other_officer"}),
    "report.public": ANYONE,
    "report.read": READERS,
    "report.issue": frozenset(
        {"read", "admin_key", "admin", "reviewer", "officer", "other_officer"}
    ),
    "report.special": frozenset(
        {"read", "admin_key", "admin", "reviewer", "officer", "other_officer"}
    ),
    "report.person": frozenset({"admin_key", "admin", "reviewer", "officer", "other_officer"}),
    "report.revoke": DECIDERS,
    "self.read": SUBJECTS,
    "self.authorise": SUBJECTS,
    "loan.apply": SUBJECTS,
    "loan.publish": frozenset({"bank"}),
    "loan.read": frozenset({"bank"}),
    "loan.respond": frozenset({"bank"}),
    "authorised.read": frozenset({"bank"}),
    "lending.statistics": frozenset({"admin", "reviewer", "auditor", "admin_key"}),
}

PATH_VALUES = {
    "item": "admin_penalty",
    "code": "black_list",
    "job_id": "0123456789abcdef0123456789abcdef",
    "tracking_code": "YY20261122000001",
    "month": "2026-10",
}
MULTIPART = {
    "POST /api/v1/checks/bulk",
    "POST /workbench/upload",
}
CSRF = "matrix-csrf-token"


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)


def _request(client: TestClient, key: str, headers: dict[str, str]) -> Any:
    method, path = key.split(" ", 1)
    url = _url(path)
    if method == "GET":
        return client.get(url, headers=headers, follow_redirects=False)
    if key in MULTIPART:
        return client.post(
            url,
            headers=headers,
            data={"csrf_token": CSRF, "item": "admin_penalty", "matter": "GP", "purpose": "矩阵"},
            files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")},
            follow_redirects=False,
        )
    if path.startswith("/api/"):
        return client.post(url, headers=headers, json={}, follow_redirects=False)
    return client.post(url, headers=headers, data={"csrf_token": CSRF}, follow_redirects=False)


def _denied(key: str, response: Any) -> bool:
    if key in ("POST /workbench/logout", "POST /me/logout"):
        return response.status_code != 303  # logging out ends on the login page
    if response.status_code in (401, 403):
        return True
    return response.status_code == 303 and response.headers["location"] in (
        "/workbench/login",
        "/me/login",
    )


def _footprint(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (AuditEntry, Record, Objection)
    )


def test_every_route_for_every_caller(city: Any, session: Session, db_url: str) -> None:
    app = create_app()
    # Logging out ends the users' sessions: last.
    routes = sorted(iter_route_keys(app.routes), key=lambda k: (k.endswith("/logout"), k))
    assert len(routes) >= 60 and set(routes) == set(ROUTE_ACTIONS)
    client = TestClient(app)
    wrong: list[str] = []
    for key in routes:
        expected = EXPECTED[ROUTE_ACTIONS[key]]
        if key.split(" ", 1)[1].startswith("/workbench") and expected != ANYONE:
            expected &= STAFF_USERS  # the workbench is for signed-in staff, not API keys
        for name, credentials in city.who.items():
            client.cookies.clear()
            client.cookies.update(credentials.cookies | {"xy_csrf": CSRF})
            before = _footprint(session)
            response = _request(client, key, credentials.headers)
            denied = _denied(key, response)
            if denied == (name in expected):
                wrong.append(f"{key} as {name}: {response.status_code} {response.text[:120]}")
            elif denied:
                if response.status_code == 403 or key.startswith(("GET /api", "POST /api")):
                    assert re.search(r"[\u4e00-\u9fff]", response.text), (key, name)
                if _footprint(session) != before:
                    wrong.append(f"{key} as {name}: denied but something changed")
    assert wrong == [], "\n".join(wrong)


def test_a_route_without_a_permission_entry_stops_the_application() -> None:
    app = FastAPI()

    @app.get("/api/v1/secret-report")
    def secret_report() -> dict[str, str]:
        return {}

    with pytest.raises(RouteWithoutPermission, match="/api/v1/secret-report"):
        check_routes(app.routes)


def test_every_action_of_the_model_is_expected_here() -> None:
    assert set(ROUTE_ACTIONS.values()) <= set(EXPECTED)


def test_a_route_that_skips_the_gate_stops_the_application() -> None:
    from xinyong.api.deps import gate

    app = FastAPI()

    @app.get("/healthz")  # in the route table, but without the gate
    def healthz() -> dict[str, str]:
        return {}

    with pytest.raises(RouteWithoutPermission, match="GET /healthz"):
        check_routes(app.routes, gate)
