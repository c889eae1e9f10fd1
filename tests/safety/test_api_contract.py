"""schemathesis against /openapi.json, the anonymous view: requests generated from the
declared schema (valid and invalid ones) to every API operation of a small demo city get no
server error."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy.orm import Session

EXAMPLES = 30


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, db_url: str) -> str:  # (SQLite only: CPU time)
    return db_url


def _server_errors(operation: Any) -> list[str]:
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
            response = case.call()
        except Exception as exc:  # the ASGI transport raises what the app did not handle
            found.append(f"{case.method} {case.formatted_path}: {type(exc).__name__}: {exc}")
            return
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except BaseException:  # schemathesis reports a failure group
            found.append(
                f"{case.method} {case.formatted_path} {case.query or ''}: {response.text[:200]}"
            )

    explore()
    return found


def test_anonymous_callers_get_no_server_error(client: TestClient, demo_city: Session) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/"):
            continue
        operations += 1
        failures += _server_errors(operation)
    assert operations >= 30, operations
    assert not failures, "\n".join(failures)
