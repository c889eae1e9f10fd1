"""A market regulator with an ingest key."""

from __future__ import annotations

import pytest
from penalty_files import AUTHORITY
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.accounts.service import create_api_key, create_department
from xinyong.audit.log import Actor

ADMIN = Actor("cli:test-admin", "local")


@pytest.fixture
def market_bureau(session: Session) -> Department:
    department = create_department(session, ADMIN, AUTHORITY, "示范市市场监督管理局")
    session.commit()
    return department


@pytest.fixture
def ingest_key(session: Session, market_bureau: Department) -> dict[str, str]:
    new = create_api_key(session, ADMIN, ["ingest"], department=market_bureau)
    session.commit()
    return {"X-API-Key": new.key}
