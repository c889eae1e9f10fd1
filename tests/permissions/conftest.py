"""Departments, staff and keys of every kind, for the permission tests."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from helpers import AUTHORITY
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_api_key, create_department, create_user, open_session
from xinyong.audit.log import Actor
from xinyong.demo.identities import IdentityMaker

OFFICE = IdentityMaker(random.Random(11)).uscc("11", "440500")
TAX = IdentityMaker(random.Random(12)).uscc("11", "440500")
PASSWORD = "xinyong-test-pass"


@dataclass
class Credentials:
    headers: dict[str, str]
    cookies: dict[str, str]


@dataclass
class City:
    office_id: int
    market_id: int  # AUTHORITY: the market regulator, source of the helpers' penalties
    tax_id: int
    tax_uscc: str
    who: dict[str, Credentials]


@pytest.fixture
def city(session: Session) -> City:
    actor = Actor("cli:test")
    office = create_department(session, actor, OFFICE, "示范市信用办", is_credit_office=True)
    market = create_department(session, actor, AUTHORITY, "示范市市场监督管理局")
    tax = create_department(session, actor, TAX, "示范市税务局")
    who: dict[str, Credentials] = {"anonymous": Credentials({}, {})}
    for scope, owner in (("read", market), ("checks", market), ("ingest", market)):
        key = create_api_key(session, actor, [scope], owner).key
        who[scope] = Credentials({"X-API-Key": key}, {})
    who["admin_key"] = Credentials({"X-API-Key": create_api_key(session, actor, ["admin"]).key}, {})
    staff = {
        "admin": ("admin", None),
        "reviewer": ("reviewer", None),
        "auditor": ("auditor", None),
        "officer": ("data_officer", market),
        "other_officer": ("data_officer", tax),
    }
    for name, (role, department) in staff.items():
        user = create_user(session, actor, name, PASSWORD, role, department=department)
        token = open_session(session, user, "127.0.0.1")
        who[name] = Credentials({}, {"xinyong_session": token})
    session.commit()
    return City(office.id, market.id, tax.id, tax.uscc, who)
