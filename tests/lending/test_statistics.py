"""Lending statistics equal counts computed independently from the applications."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from helpers import org
from lending_city import lending_city
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.demo.identities import IdentityMaker
from xinyong.lending.models import LoanApplication
from xinyong.lending.statistics import lending_statistics
from xinyong.subjects.models import Subject
from xinyong.workdays import working_days_between

SINCE, UNTIL, TODAY = date(2026, 1, 1), date(2026, 11, 22), date(2026, 11, 22)


def _applications(session: Session, product_id: int, bank_id: int) -> None:
    rng = random.Random(5)
    subjects = list(
        session.execute(select(Subject.id).where(Subject.kind != "natural_person")).scalars()
    )
    for n in range(60):
        submitted = date(2025, 10, 1) + timedelta(days=rng.randrange(420))
        state = rng.choice(["submitted", "accepted", "granted", "declined", "withdrawn"])
        responded = submitted + timedelta(days=rng.randrange(8)) if state != "submitted" else None
        granted = state == "granted"
        session.add(
            LoanApplication(
                tracking_code=f"DK{n:06d}",
                subject_id=rng.choice(subjects),
                product_id=product_id,
                consumer_id=bank_id,
                amount_wan=Decimal("100"),
                term_months=12,
                purpose="经营周转",
                state=state,
                submitted_on=submitted,
                due_date=submitted + timedelta(days=5),
                responded_on=responded,
                decided_on=responded if state in ("granted", "declined") else None,
                granted_amount_wan=Decimal(rng.randrange(10, 300)) if granted else None,
                rate=Decimal("3.8") if granted else None,
                granted_term_months=12 if granted else None,
                guarantee=rng.choice(["credit", "mortgage"]) if granted else None,
                decline_reason=rng.choice(["D01", "D02"]) if state == "declined" else None,
            )
        )
    session.commit()


def test_statistics_match_independent_counts(session: Session) -> None:
    city = lending_city(session)
    for n in range(5):
        org(
            session,
            IdentityMaker(random.Random(200 + n)).uscc("91", "440500"),
            f"示范市统计{n}号有限公司",
        )
    session.commit()
    _applications(session, city.product_id, city.bank_id)
    stats = lending_statistics(session, Actor("cli:test"), SINCE, UNTIL, TODAY)

    every = list(session.execute(select(LoanApplication)).scalars())
    inside = [a for a in every if SINCE <= a.submitted_on <= UNTIL]
    granted = [a for a in inside if a.state == "granted"]
    declined = [a for a in inside if a.state == "declined"]
    assert stats["applications"] == len(inside)
    assert stats["granted"] == len(granted)
    assert stats["grant_rate"] == round(len(granted) / (len(granted) + len(declined)), 4)
    borrowers = {a.subject_id for a in granted}
    before = {a.subject_id for a in every if a.state == "granted" and a.decided_on < SINCE}
    assert stats["borrowers"] == len(borrowers)
    assert stats["first_time_borrowers"] == len(borrowers - before)
    credit = [a for a in granted if a.guarantee == "credit"]
    assert stats["credit_loan_share"] == round(len(credit) / len(granted), 4)
    market = session.execute(
        select(Subject.id).where(
            Subject.kind.in_(["enterprise", "individual_business", "farmer_cooperative"])
        )
    ).all()
    assert stats["market_subjects"] == len(market)
    assert stats["borrower_share"] == round(len(borrowers) / len(market), 4)
    answered = [a for a in inside if a.responded_on]
    mean = sum(working_days_between(a.submitted_on, a.responded_on) for a in answered) / len(
        answered
    )
    assert stats["mean_response_working_days"] == round(mean, 2)
    assert stats["overdue_unanswered"] == sum(
        1 for a in inside if a.state == "submitted" and a.due_date < TODAY
    )
    assert stats["granted_amount_wan"] == str(sum(a.granted_amount_wan for a in granted))
