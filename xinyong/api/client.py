"""A small client other systems can copy to embed the credit check ("办事先查信用").

Standard library only. Example::

    answer = check_credit("http://credit.example.gov.cn", "xy_...", ["914405007080295548"],
                          matter="GP", purpose="2026年第12号政府采购项目资格审查")
    for result in answer["results"]:
        if result["advice"] == "restrict":
            for measure in result["measures"]:
                print(measure["name"], measure["legal_basis"])
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class CreditCheckError(RuntimeError):
    """The platform refused the check; the message is the platform's (Chinese) reason."""


def check_credit(
    base_url: str,
    api_key: str,
    subjects: list[str],
    matter: str,
    purpose: str,
    timeout: float = 5.0,
) -> dict[str, Any]:
    """POST /api/v1/checks and return the answer (check_id, results with advice and measures)."""
    body = json.dumps({"subjects": subjects, "matter": matter, "purpose": purpose}).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/api/v1/checks",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-API-Key": api_key},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return dict(json.loads(response.read().decode("utf-8")))
    except urllib.error.HTTPError as exc:
        detail = json.loads(exc.read().decode("utf-8") or "{}").get("detail", exc.reason)
        raise CreditCheckError(f"{exc.code}: {detail}") from exc
