"""A small lending city for the lending and self-service tests: the credit office, an
enterprise with a public and a non-public penalty and its account (TOTP), a citizen with its
account, a bank with a lending key and a product."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from helpers import ACME, make_person_id, org, penalty_values, person, save_penalty
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_api_key, create_department, create_user
from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.demo.identities import IdentityMaker
from xinyong.gateway.consumers import create_consumer
from xinyong.lending.applications import publish_product
from xinyong.permissions import Principal
from xinyong.selfservice.signin import create_citizen_account, create_enterprise_account

PASSWORD = "own-pass-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
REPRESENTATIVE = "王建国"
OFFICE = IdentityMaker(random.Random(31)).uscc("11", "440500")


@dataclass
class LendingCity:
    uscc: str
    representative_id: str
    resident_id: str
    bank_key: dict[str, str]
    other_bank_key: dict[str, str]
    bank_id: int
    product_id: int
    subject_id: int
    person_id: int


def lending_city(session: Session) -> LendingCity:
    actor = Actor("cli:test")
    create_department(session, actor, OFFICE, "示范市信用办", is_credit_office=True)
    create_user(session, actor, "reviewer", "long-enough-1", "reviewer", "审核员")
    firm = org(session, ACME)
    firm.legal_representative = REPRESENTATIVE
    save_penalty(
        session,
        firm,
        penalty_values(firm, ["罚款"], date(2026, 5, 1), "示市监罚〔2026〕11号", "0.2"),
    )
    save_penalty(
        session,
        firm,
        penalty_values(firm, ["罚款"], date(2026, 11, 18), "示市监罚〔2026〕13号", "0.5"),
        published=False,
    )
    representative_id = make_person_id(21)
    create_enterprise_account(
        session, actor, ACME, REPRESENTATIVE, representative_id, PASSWORD, TOTP_SECRET
    )
    resident_id = make_person_id(22)
    citizen = person(session, resident_id, "陈小明")
    save_penalty(
        session,
        citizen,
        penalty_values(
            citizen, ["警告"], date(2026, 10, 9), "示市监罚〔2026〕21号", resident_id=resident_id
        ),
        published=False,
    )
    create_citizen_account(session, actor, resident_id, "陈小明", PASSWORD)
    keys = []
    for name in ("示范市农商银行", "示范市城市商业银行"):
        bank = create_consumer(
            session,
            actor,
            name=name,
            kind="bank",
            contact="0754-88880000",
            legal_basis="信易贷合作协议（2026）",
        )
        keys.append((bank, create_api_key(session, actor, ["lending"], consumer_id=bank.id).key))
    bank = keys[0][0]
    lender = Principal(
        f"apikey:{name}",
        None,
        kind="apikey",
        scopes=frozenset({"lending"}),
        consumer_kind="bank",
        consumer_id=bank.id,
    )
    product = publish_product(
        session,
        lender,
        get_catalog(),
        name="小微信用贷",
        guarantee="credit",
        max_amount_wan="300",
        max_term_months=36,
        rate_from="3.45",
        items=["admin_penalty", "tax_credit_grade"],
        description="纳税信用良好的小微企业",
        today=date(2026, 11, 22),
    )
    session.commit()
    return LendingCity(
        ACME,
        representative_id,
        resident_id,
        {"X-API-Key": keys[0][1]},
        {"X-API-Key": keys[1][1]},
        bank.id,
        product.id,
        firm.id,
        citizen.id,
    )
