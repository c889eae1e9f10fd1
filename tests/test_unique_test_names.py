"""pytest imports test modules by their file name: two test files of the same name in different
folders stop the whole collection (it happened twice when parallel work landed)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def test_every_test_module_has_its_own_name() -> None:
    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py"))
    assert not [n for n, count in names.items() if count > 1], names.most_common(3)
