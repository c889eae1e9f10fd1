from __future__ import annotations

from pathlib import Path

import pytest

from xinyong.settings import SETTINGS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_in_readme(spec) -> None:  # type: ignore[no-untyped-def]
    assert f"`{spec.name}`" in README, f"{spec.name} is not documented in README.md"


def test_settings_module_reads_every_declared_variable() -> None:
    source = (Path(__file__).parent.parent / "xinyong" / "settings.py").read_text()
    for spec in SETTINGS:
        if spec.name.startswith("XINYONG_TEST_"):
            continue
        assert source.count(f'"{spec.name}"') >= 2, f"{spec.name} declared but never read"
