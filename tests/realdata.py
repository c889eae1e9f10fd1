"""Where the real published files are (issue 28): ``shared/realdata`` beside the checkout, or
``XINYONG_TEST_REALDATA_DIR``. Third-party data, never copied into this repository; tests that
read it skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path


def _realdata() -> Path | None:
    named = os.environ.get("XINYONG_TEST_REALDATA_DIR")
    if named:
        return Path(named)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "realdata"
        if candidate.is_dir():
            return candidate
    return None


REALDATA = _realdata()
MARKET = "11440500CC6K57744R"  # the market bureau that submits the registration files


def real(name: str) -> Path:
    assert REALDATA is not None
    return REALDATA / name
