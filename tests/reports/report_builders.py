"""Builders for the report tests: departments of the 信用代证 domains and their penalties."""

from __future__ import annotations

import random
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

from helpers import penalty_values
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department
from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.demo.identities import IdentityMaker
from xinyong.records.models import Record
from xinyong.records.store import save_record
from xinyong.subjects.models import Subject

ACTOR = Actor("cli:test")
TODAY = date(2026, 11, 22)
_IDS = IdentityMaker(random.Random(2026))


def department(session: Session, name: str) -> int:
    """A department named ``示范市{name}``; its id."""
    made = create_department(session, ACTOR, _IDS.uscc("11", "440500"), f"示范市{name}")
    session.flush()
    return made.id


def penalty(
    session: Session,
    subject: Subject,
    department_id: int,
    number: str,
    decided: date,
    categories: list[str] | None = None,
) -> Record:
    values = penalty_values(subject, categories or ["警告"], decided, number=number)
    saved = save_record(
        session,
        get_catalog().item("admin_penalty"),
        subject,
        values,
        department_id=department_id,
        published_at=datetime(decided.year, decided.month, decided.day, 12),
    )
    session.flush()
    return saved.record


def pdf_text(path: Path) -> str:
    """The PDF's text as poppler's pdftotext reads it (layout kept)."""
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def rows_of(content: dict[str, Any], section: str) -> list[list[str]]:
    found = [s for s in content["sections"] if s["code"] == section or s["name"] == section]
    assert found, section
    return [row for group in found[0]["groups"] for row in group["rows"]]
