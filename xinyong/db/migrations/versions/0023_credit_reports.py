"""credit reports: the register of issued reports (number, verification code, kind, subject,
purpose, requester, domains and period of a special report, the signed PDF and its SHA-256,
revocation)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 00:10:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _json() -> Any:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "credit_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(length=22), nullable=False, unique=True),
        sa.Column("verification_code", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_level", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("subject_code", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("requester_note", sa.String(length=200), nullable=True),
        sa.Column("domains", _json(), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("counts", _json(), nullable=False),
        sa.Column("content", _json(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_credit_reports_kind", "credit_reports", ["kind"])
    op.create_index("ix_credit_reports_subject_id", "credit_reports", ["subject_id"])
    op.create_index("ix_credit_reports_issued_at", "credit_reports", ["issued_at"])


def downgrade() -> None:
    op.drop_index("ix_credit_reports_issued_at", table_name="credit_reports")
    op.drop_index("ix_credit_reports_subject_id", table_name="credit_reports")
    op.drop_index("ix_credit_reports_kind", table_name="credit_reports")
    op.drop_table("credit_reports")
