"""Loan products of banks, enterprises' authorisations to read their data, loan applications."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base, JsonType


class LoanProduct(Base):
    """A loan product a bank (a consumer of kind ``bank``) publishes."""

    __tablename__ = "loan_products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    guarantee: Mapped[str] = mapped_column(String(16))  # codes.yaml guarantee kinds
    max_amount_wan: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    max_term_months: Mapped[int] = mapped_column(Integer)
    rate_from: Mapped[Decimal] = mapped_column(Numeric(6, 3))  # annual %, lowest offered
    items: Mapped[list[str]] = mapped_column(JsonType)  # catalog items the bank asks to read
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DataAuthorisation(Base):
    """A subject lets one bank read chosen catalog items of its records, from ``valid_from``
    to ``valid_until`` (inclusive), until it revokes."""

    __tablename__ = "data_authorisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id"), index=True)
    items: Mapped[list[str]] = mapped_column(JsonType)
    purpose: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    granted_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoanApplication(Base):
    __tablename__ = "loan_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("loan_products.id"), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id"), index=True)
    authorisation_id: Mapped[int | None] = mapped_column(ForeignKey("data_authorisations.id"))
    amount_wan: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    term_months: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), index=True)
    submitted_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)  # the bank accepts or declines by then
    responded_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    check_id: Mapped[str | None] = mapped_column(String(40))  # the bank's 双查询 (matter LN)
    granted_amount_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    granted_term_months: Mapped[int | None] = mapped_column(Integer)
    guarantee: Mapped[str | None] = mapped_column(String(16))
    decline_reason: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
