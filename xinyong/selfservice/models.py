"""Sign-in accounts of subjects (enterprises and citizens) and their login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.clock import utcnow
from xinyong.db.base import Base

ACCOUNT_KINDS = {"enterprise": "企业", "citizen": "市民"}


class SubjectAccount(Base):
    """A subject's own sign-in: an enterprise by its USCC and its legal representative (whose
    resident ID is held only as the keyed hash), with a TOTP second factor; a citizen by the
    keyed hash of its resident ID. ``issuer``/``external_id`` tie the account to an identity
    provider's subject when a city signs in through one (OpenID Connect)."""

    __tablename__ = "subject_accounts"
    __table_args__ = (UniqueConstraint("issuer", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # enterprise, citizen
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), unique=True)
    # enterprise: its USCC; citizen: the keyed hash of the resident ID (never the number)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    representative_name: Mapped[str | None] = mapped_column(String(100))
    representative_hash: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret_enc: Mapped[str | None] = mapped_column(Text)  # encrypted with the platform key
    last_totp_step: Mapped[int | None] = mapped_column(Integer)  # a code is used only once
    issuer: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class SubjectSession(Base):
    __tablename__ = "subject_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("subject_accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
