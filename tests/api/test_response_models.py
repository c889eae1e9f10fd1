"""Every /api/ operation publishes what its success answer looks like: a JSON answer has a
typed model (named fields, not an open ``{"type": "object"}``) with an example for /docs, a
file download names its media types. A route that answers an untyped ``dict`` fails here."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from fastapi.testclient import TestClient

JSON = "application/json"


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, db_url: str) -> str:  # the document is the same
    return db_url


def _resolved(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _json_problem(schema: dict[str, Any], components: dict[str, Any]) -> str | None:
    found = _resolved(schema, components)
    if not found:
        return "no schema"
    if found.get("type") == "array" and "items" in found:  # a list of typed answers
        return _json_problem(found["items"], components)
    if found.get("type") != "object" or not found.get("properties"):
        return f"untyped schema {found}"
    if not found.get("examples"):
        return f"model {found.get('title')} has no examples"
    return None


def _file_problem(schema: dict[str, Any] | None) -> str | None:
    if not schema or schema.get("type") != "string" or schema.get("format") != "binary":
        return f"file answer not declared as binary: {schema}"
    return None


def _success_problems(operation: dict[str, Any], components: dict[str, Any]) -> list[str]:
    success = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
    if not success:
        return ["no 2xx answer"]
    problems = []
    for code, response in success.items():
        content = response.get("content")
        if not content:
            problems.append(f"{code}: no content")
            continue
        for media, body in content.items():
            schema = body.get("schema")
            problem = (
                _json_problem(schema or {}, components) if media == JSON else _file_problem(schema)
            )
            if problem:
                problems.append(f"{code} {media}: {problem}")
    return problems


def test_every_api_operation_declares_a_typed_answer_with_an_example(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    components = document["components"]["schemas"]
    problems = [
        f"{method.upper()} {path} {problem}"
        for path, operations in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
        for problem in _success_problems(operation, components)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "media_types"),
    [
        ("/api/v1/checks/bulk/{job_id}/result", {"text/csv"}),
        (
            "/api/v1/ingest/batches/{batch_id}/rejected",
            {
                "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "text/plain",
            },
        ),
    ],
)
def test_file_downloads_declare_their_media_types_and_no_json(
    client: TestClient, path: str, media_types: set[str]
) -> None:
    answer = client.get("/openapi.json").json()["paths"][path]["get"]["responses"]["200"]
    assert set(answer["content"]) == media_types


def test_the_models_keep_every_key_the_views_build() -> None:
    """FastAPI drops a key its model lacks: a view's keys and its model's fields are the same."""
    from xinyong.api.check_schemas import JointDepartmentStatsOut
    from xinyong.api.routers.services import objection_view, recognition_view, repair_view
    from xinyong.api.schemas import DepartmentQualityOut
    from xinyong.api.service_schemas import (
        ConditionOut,
        DepartmentPublicityOut,
        ObjectionOut,
        RecognitionOut,
        RepairOut,
    )
    from xinyong.clock import today, utcnow
    from xinyong.ingest.quality import DepartmentQuality
    from xinyong.lists.models import ListRecognition
    from xinyong.measures.feedback import DepartmentStats
    from xinyong.objections.models import Objection
    from xinyong.publicity.lifecycle import DepartmentPublicity
    from xinyong.repair.models import RepairApplication
    from xinyong.repair.service import Condition

    for row, model in [
        (DepartmentStats, JointDepartmentStatsOut),
        (DepartmentPublicity, DepartmentPublicityOut),
        (DepartmentQuality, DepartmentQualityOut),
        (Condition, ConditionOut),
    ]:
        assert {f.name for f in fields(row)} == set(model.model_fields), row
    objection = Objection(
        id=1, tracking_code="YY20261208K7M2QX", record_id=1, state="accepted", grounds="other"
    )
    objection.submitted_at, objection.due_date = utcnow(), today()
    assert set(objection_view(objection)) == set(ObjectionOut.model_fields)
    application = RepairApplication(
        id=1, tracking_code="XF20261208P4WD9H", record_id=1, state="submitted", due_date=today()
    )
    application.eligibility = {"eligible": True, "conditions": []}
    assert set(repair_view(application)) == set(RepairOut.model_fields)
    entry = ListRecognition(id=1, list_type="black_list", subtype="重大税收违法失信主体")
    entry.state, entry.report_due = "decided", today()
    assert set(recognition_view(entry, "告知书")) == set(RecognitionOut.model_fields)
