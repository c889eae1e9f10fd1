"""Lending statistics for the credit office: applications, response times, grant rate,
first-time borrowers, credit (unsecured) loan share, and the monitoring indicator "获贷企业占
本地存续企业的比例" (Shanwei 2025): enterprises granted a loan in the period over the market
subjects in the subject database (enterprises, individual businesses, farmer cooperatives)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.lending.codes import lending_codes
from xinyong.lending.models import LoanApplication
from xinyong.permissions import authorize
from xinyong.subjects.models import Subject
from xinyong.workdays import working_days_between

MARKET_KINDS = ("enterprise", "individual_business", "farmer_cooperative")


def _share(part: int | Decimal, whole: int | Decimal) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def lending_statistics(
    session: Session, actor: Actor, since: date, until: date, today: date
) -> dict[str, Any]:
    """Applications submitted from ``since`` to ``until`` (inclusive) and what became of them."""
    authorize(actor, "lending.statistics")
    if since > until:
        raise ValueError(f"起始日 {since} 晚于截止日 {until}")
    rows = list(
        session.execute(
            select(LoanApplication).where(
                LoanApplication.submitted_on >= since, LoanApplication.submitted_on <= until
            )
        ).scalars()
    )
    guarantees = lending_codes(today).guarantees
    states = Counter(a.state for a in rows)
    responded = [a for a in rows if a.responded_on is not None]
    days = [
        working_days_between(a.submitted_on, a.responded_on) for a in responded if a.responded_on
    ]
    late = sum(1 for a in responded if a.responded_on and a.responded_on > a.due_date)
    overdue = sum(1 for a in rows if a.state == "submitted" and a.due_date < today)
    granted = [a for a in rows if a.state == "granted"]
    decided = states["granted"] + states["declined"]
    amount = sum((a.granted_amount_wan or Decimal(0) for a in granted), Decimal(0))
    unsecured = [a for a in granted if a.guarantee and guarantees[a.guarantee].unsecured]
    unsecured_amount = sum((a.granted_amount_wan or Decimal(0) for a in unsecured), Decimal(0))
    borrowers = {a.subject_id for a in granted}
    earlier = set(
        session.execute(
            select(LoanApplication.subject_id).where(
                LoanApplication.state == "granted",
                LoanApplication.decided_on < since,
                LoanApplication.subject_id.in_(borrowers or {0}),
            )
        ).scalars()
    )
    market = session.execute(
        select(func.count()).select_from(Subject).where(Subject.kind.in_(MARKET_KINDS))
    ).scalar_one()
    reasons = Counter(a.decline_reason for a in rows if a.state == "declined" and a.decline_reason)
    return {
        "from": since,
        "to": until,
        "applications": len(rows),
        "by_state": dict(sorted(states.items())),
        "applicants": len({a.subject_id for a in rows}),
        "responded": len(responded),
        "mean_response_working_days": round(sum(days) / len(days), 2) if days else None,
        "responded_late": late,
        "overdue_unanswered": overdue,
        "granted": len(granted),
        "grant_rate": _share(len(granted), decided),
        "granted_amount_wan": str(amount),
        "borrowers": len(borrowers),
        "first_time_borrowers": len(borrowers - earlier),
        "credit_loan_share": _share(len(unsecured), len(granted)),
        "credit_loan_amount_share": _share(unsecured_amount, amount),
        "market_subjects": market,
        "borrower_share": _share(len(borrowers), market),
        "decline_reasons": dict(sorted(reasons.items())),
    }
