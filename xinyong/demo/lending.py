"""The demo city's lending (信易贷): two banks with lending keys and products, an enterprise
and a citizen account to sign in with, and applications of a few enterprises in every state."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_api_key
from xinyong.audit.log import Actor
from xinyong.catalog.registry import Catalog
from xinyong.demo.identities import IdentityMaker
from xinyong.gateway.consumers import create_consumer
from xinyong.lending import applications as loans
from xinyong.lending.models import LoanProduct
from xinyong.permissions import Principal
from xinyong.selfservice.models import SubjectAccount
from xinyong.selfservice.signin import (
    create_citizen_account,
    create_enterprise_account,
    subject_principal,
)
from xinyong.subjects.models import Subject
from xinyong.workdays import add_working_days

DEMO_SUBJECT_PASSWORD = "xinyong-demo"
# A fixed TOTP secret, so that the demo's authenticator entry survives a reload.
DEMO_TOTP_SECRET = "XINYONGDEMOTOTPSHANTOUXYZ2345672"
BANKS = (
    (
        "示范市农商银行",
        (
            ("小微信用贷", "credit", "300", 36, "3.45"),
            ("科创抵押贷", "mortgage", "1000", 60, "3.20"),
        ),
    ),
    (
        "示范市城市商业银行",
        (
            ("银税互动贷", "credit", "200", 24, "3.65"),
            ("经营保证贷", "guarantee", "500", 36, "3.85"),
        ),
    ),
)
ITEMS = ["admin_penalty", "admin_license", "tax_credit_grade", "social_insurance_arrears"]


@dataclass(frozen=True)
class DemoLending:
    enterprise_uscc: str
    enterprise_name: str
    representative_id: str
    citizen_id: str
    bank_keys: tuple[tuple[str, str], ...]  # (bank, key), shown once
    applications: int


def _bank_principal(consumer_id: int) -> Principal:
    return Principal(
        f"system:demo-bank-{consumer_id}",
        "local",
        kind="apikey",
        scopes=frozenset({"lending"}),
        consumer_kind="bank",
        consumer_id=consumer_id,
    )


def load_lending(session: Session, catalog: Catalog, today: date, seed: int) -> DemoLending:
    """Add the lending demo to a loaded demo city (in the caller's transaction)."""
    rng = random.Random(seed + 24)
    ids = IdentityMaker(rng)
    actor = Actor("system:demo", "local")
    firms = list(
        session.execute(
            select(Subject)
            .where(Subject.kind == "enterprise", Subject.legal_representative.is_not(None))
            .order_by(Subject.id)
            .limit(8)
        ).scalars()
    )
    person = session.execute(
        select(Subject).where(Subject.kind == "natural_person").order_by(Subject.id).limit(1)
    ).scalar_one_or_none()
    keys, products = [], []
    for name, offered in BANKS:
        bank = create_consumer(
            session,
            actor,
            name=name,
            kind="bank",
            contact="0754-88880000",
            legal_basis="国办发〔2021〕52号；信易贷合作协议（演示）",
            matters="信易贷：发布产品、受理申请、经授权查询、贷前双查询",
        )
        keys.append(
            (name, create_api_key(session, actor, ["lending"], label=name, consumer_id=bank.id).key)
        )
        for product, guarantee, amount, term, rate in offered:
            products.append(
                loans.publish_product(
                    session,
                    _bank_principal(bank.id),
                    catalog,
                    name=product,
                    guarantee=guarantee,
                    max_amount_wan=amount,
                    max_term_months=term,
                    rate_from=rate,
                    items=ITEMS[:3],
                    description=None,
                    today=today,
                )
            )
    first = firms[0]
    representative_id = ids.resident_id(first.region or "440507")
    account = create_enterprise_account(
        session,
        actor,
        first.uscc or "",
        first.legal_representative or "",
        representative_id,
        DEMO_SUBJECT_PASSWORD,
        DEMO_TOTP_SECRET,
    ).account
    accounts = [account]
    for firm in firms[1:6]:
        accounts.append(
            create_enterprise_account(
                session,
                actor,
                firm.uscc or "",
                firm.legal_representative or "",
                ids.resident_id(firm.region or "440507"),
                DEMO_SUBJECT_PASSWORD,
            ).account
        )
    citizen_id = ids.resident_id("440507")
    if person is not None:
        from xinyong.privacy.ids import get_protector

        citizen_id = get_protector().decrypt(person.person_id_enc or "")
        create_citizen_account(session, actor, citizen_id, person.name, DEMO_SUBJECT_PASSWORD)
    made = _applications(session, catalog, accounts, products, today)
    return DemoLending(
        first.uscc or "", first.name, representative_id, citizen_id, tuple(keys), made
    )


def _applications(
    session: Session,
    catalog: Catalog,
    accounts: list[SubjectAccount],
    products: list[LoanProduct],
    today: date,
) -> int:
    """One application in every state (and a granted one of the demo enterprise)."""
    plan = ["granted", "submitted", "accepted", "declined", "withdrawn", "granted"]
    made = 0
    for n, (account, state) in enumerate(zip(accounts[1:] + accounts[:1], plan, strict=False)):
        product = products[n % len(products)]
        day = today - timedelta(days=20 - 2 * n)
        applicant = subject_principal(account, "local")
        application = loans.apply_for_loan(
            session,
            applicant,
            catalog,
            product_id=product.id,
            amount_wan="100",
            term_months=12,
            purpose="经营周转（演示）",
            items=ITEMS[:2],
            days=60,
            today=day,
        )
        bank = _bank_principal(application.consumer_id)
        answered = add_working_days(day, 1)
        if state in ("accepted", "granted"):
            loans.respond(session, bank, application.id, "accept", answered)
        if state == "granted":
            loans.respond(
                session,
                bank,
                application.id,
                "grant",
                answered,
                amount_wan="80",
                rate="3.6",
                term_months=12,
                guarantee="credit",
                granted_on=answered,
            )
        elif state == "declined":
            loans.respond(session, bank, application.id, "decline", answered, reason="D02")
        elif state == "withdrawn":
            loans.withdraw(session, applicant, application.id)
        made += 1
    return made
