"""Uploading through the API as a department does, and reading the batch's outcome."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from fastapi.testclient import TestClient

ITEM = "admin_penalty"


def finished(client: TestClient, headers: dict[str, str], answer: Any) -> dict[str, Any]:
    """The batch's final counts: the answer itself, or (202) its status polled until done."""
    assert answer.status_code in (200, 202), answer.text
    body: dict[str, Any] = answer.json()
    if answer.status_code == 200:
        return body
    for _ in range(600):
        body = client.get(body["status_url"], headers=headers).json()
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"batch still running: {body}")


def upload(
    client: TestClient, headers: dict[str, str], name: str, content: bytes, mime: str = "text/csv"
) -> Any:
    return client.post(
        f"/api/v1/ingest/{ITEM}", headers=headers, files={"file": (name, content, mime)}
    )


def rejected_rows(
    client: TestClient, headers: dict[str, str], body: dict[str, Any], encoding: str = "utf-8-sig"
) -> list[dict[str, str]]:
    """The batch's rejected rows (a CSV in the input's encoding)."""
    content = client.get(body["rejected_file"], headers=headers).content
    return list(csv.DictReader(io.StringIO(content.decode(encoding))))


def refusal(client: TestClient, headers: dict[str, str], answer: Any) -> tuple[int, str]:
    """Why a file was refused: at once (413/422 and the detail) or, when only its worker
    could tell (202), the failed batch's error; (status, reason)."""
    if answer.status_code != 202:
        return answer.status_code, str(answer.json()["detail"])
    body = finished(client, headers, answer)
    assert body["state"] == "failed", body
    return 202, str(body["error"])
