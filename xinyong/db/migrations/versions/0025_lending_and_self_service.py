"""lending and self service: subjects' own sign-in, loan products, authorisations, applications

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 00:10:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def _json() -> Any:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "subject_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("representative_name", sa.String(length=100), nullable=True),
        sa.Column("representative_hash", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("totp_secret_enc", sa.Text(), nullable=True),
        sa.Column("last_totp_step", sa.Integer(), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("subject_id"),
        sa.UniqueConstraint("login"),
        sa.UniqueConstraint("issuer", "external_id"),
    )
    op.create_table(
        "subject_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("subject_accounts.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_subject_sessions_account_id", "subject_sessions", ["account_id"])
    op.create_table(
        "loan_products",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("consumer_id", sa.Integer(), sa.ForeignKey("consumers.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("guarantee", sa.String(length=16), nullable=False),
        sa.Column("max_amount_wan", sa.Numeric(14, 2), nullable=False),
        sa.Column("max_term_months", sa.Integer(), nullable=False),
        sa.Column("rate_from", sa.Numeric(6, 3), nullable=False),
        sa.Column("items", _json(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_loan_products_consumer_id", "loan_products", ["consumer_id"])
    op.create_table(
        "data_authorisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("consumer_id", sa.Integer(), sa.ForeignKey("consumers.id"), nullable=False),
        sa.Column("items", _json(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("granted_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_data_authorisations_subject_id", "data_authorisations", ["subject_id"])
    op.create_index("ix_data_authorisations_consumer_id", "data_authorisations", ["consumer_id"])
    op.create_table(
        "loan_applications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_code", sa.String(length=32), nullable=False, unique=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("loan_products.id"), nullable=False),
        sa.Column("consumer_id", sa.Integer(), sa.ForeignKey("consumers.id"), nullable=False),
        sa.Column(
            "authorisation_id",
            sa.Integer(),
            sa.ForeignKey("data_authorisations.id"),
            nullable=True,
        ),
        sa.Column("amount_wan", sa.Numeric(14, 2), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("check_id", sa.String(length=40), nullable=True),
        sa.Column("granted_amount_wan", sa.Numeric(14, 2), nullable=True),
        sa.Column("rate", sa.Numeric(6, 3), nullable=True),
        sa.Column("granted_term_months", sa.Integer(), nullable=True),
        sa.Column("guarantee", sa.String(length=16), nullable=True),
        sa.Column("decline_reason", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    for column in ("subject_id", "product_id", "consumer_id", "state"):
        op.create_index(f"ix_loan_applications_{column}", "loan_applications", [column])


def downgrade() -> None:
    op.drop_table("loan_applications")
    op.drop_table("data_authorisations")
    op.drop_table("loan_products")
    op.drop_index("ix_subject_sessions_account_id", "subject_sessions")
    op.drop_table("subject_sessions")
    op.drop_table("subject_accounts")
