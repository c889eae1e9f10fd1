"""schemathesis against /openapi.json, as an anonymous caller and with a staff key: requests
generated from the declared schema (valid and invalid ones) to every API operation of a small
demo city get no server error, no status code the operation does not declare, and no answer
that breaks the declared schema or content type."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from helpers import staff_headers
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, db_url: str) -> str:  # (SQLite only: CPU time)
    return db_url


def _failures(operation: Any, headers: dict[str, str]) -> list[str]:
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def explore(case: Any) -> None:
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # the ASGI transport raises what the app did not handle
            found.append(f"{case.method} {case.formatted_path}: {type(exc).__name__}: {exc}")
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseException as exc:  # schemathesis reports a failure group
            found.append(f"{case.method} {case.formatted_path} {response.status_code}: {exc}")

    explore()
    return found


@pytest.mark.parametrize("view", ["anonymous", "staff key"])
def test_the_api_keeps_its_declared_contract(
    client: TestClient, demo_city: Session, view: str
) -> None:
    headers = {} if view == "anonymous" else staff_headers(demo_city, ["admin", "read", "ingest"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/"):
            continue
        operations += 1
        failures += _failures(operation, headers)
    assert operations >= 30, operations
    assert not failures, "\n".join(failures[:20])


def test_every_api_route_declares_its_error_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    missing = [
        f"{method.upper()} {path}: {code}"
        for path, operations in paths.items()
        if path.startswith("/api/")
        for method, operation in operations.items()
        for code in ("401", "403", "422", "429")
        if code not in operation["responses"]
    ]
    assert not missing, missing
