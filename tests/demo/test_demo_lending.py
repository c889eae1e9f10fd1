"""The demo city's lending: banks with products, accounts to sign in with, applications in
every state."""

from __future__ import annotations

from datetime import date, datetime

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.demo.lending import DEMO_SUBJECT_PASSWORD, DEMO_TOTP_SECRET, load_lending
from xinyong.lending.applications import products
from xinyong.lending.models import LoanApplication
from xinyong.selfservice.signin import BuiltinSignIn


def test_demo_lending_has_every_state_and_accounts_that_sign_in(demo_city: Session) -> None:
    demo = load_lending(demo_city, get_catalog(), date(2026, 11, 22), 7)
    demo_city.commit()
    states = set(demo_city.execute(select(LoanApplication.state)).scalars())
    assert states == {"submitted", "accepted", "granted", "declined", "withdrawn"}
    assert {bank for bank, _ in demo.bank_keys} == {"示范市农商银行", "示范市城市商业银行"}
    assert len(products(demo_city)) == 4
    signed = BuiltinSignIn().sign_in(
        demo_city,
        "enterprise",
        {
            "uscc": demo.enterprise_uscc,
            "representative_id": demo.representative_id,
            "password": DEMO_SUBJECT_PASSWORD,
            "code": pyotp.TOTP(DEMO_TOTP_SECRET).at(datetime.now()),
        },
        None,
    )
    assert signed.login == demo.enterprise_uscc
    citizen = BuiltinSignIn().sign_in(
        demo_city,
        "citizen",
        {"resident_id": demo.citizen_id, "password": DEMO_SUBJECT_PASSWORD},
        None,
    )
    assert citizen.kind == "citizen"
