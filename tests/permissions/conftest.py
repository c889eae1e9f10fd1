"""Departments, staff and keys of every kind, for the permission tests."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from helpers import AUTHORITY, make_person_id
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_api_key, create_department, create_user, open_session
from xinyong.audit.log import Actor
from xinyong.demo.identities import IdentityMaker
from xinyong.gateway.consumers import create_consumer
from xinyong.selfservice.signin import (
    create_citizen_account,
    create_enterprise_account,
    open_subject_session,
)
from xinyong.subjects.service import get_or_create_organization

OFFICE = IdentityMaker(random.Random(11)).uscc("11", "440500")
TAX = IdentityMaker(random.Random(12)).uscc("11", "440500")
ENTERPRISE = IdentityMaker(random.Random(13)).uscc("91", "440500")
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
    # A bank's lending key, and an enterprise and a citizen signed in to their own pages.
    bank = create_consumer(
        session, actor, name="示范市农商银行", kind="bank", contact="-", legal_basis="信易贷协议"
    )
    who["bank"] = Credentials(
        {"X-API-Key": create_api_key(session, actor, ["lending"], consumer_id=bank.id).key}, {}
    )
    firm = get_or_create_organization(session, ENTERPRISE, "示范市矩阵贸易有限公司", "test")[0]
    firm.legal_representative = "王建国"
    made = create_enterprise_account(
        session, actor, ENTERPRISE, "王建国", make_person_id(41), PASSWORD
    )
    who["enterprise"] = Credentials(
        {}, {"xinyong_me": open_subject_session(session, made.account, "127.0.0.1")}
    )
    citizen = create_citizen_account(session, actor, make_person_id(42), "赵敏", PASSWORD)
    who["citizen"] = Credentials(
        {}, {"xinyong_me": open_subject_session(session, citizen, "127.0.0.1")}
    )
    session.commit()
    return City(office.id, market.id, tax.id, tax.uscc, who)
