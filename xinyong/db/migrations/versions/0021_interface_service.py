"""interface service: key states and quotas, usage counters

API keys gain a suspension, an expiry and quotas per minute and per day; ``api_usage``
holds the calls counted per day, key, interface family and status class, with a latency
histogram (counted in memory by each server and added here in batches); ``record_changes``
logs changes of a record's status made in place (withdrawn, repaired), which the departments'
data sharing feeds pass on beside new record versions.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 00:30:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _json() -> Any:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "consumers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("items", _json(), nullable=True),
        sa.Column("ip_allowlist", _json(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("matters", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("applied_by", sa.String(length=120), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumers")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consumer_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_api_keys_consumer_id_consumers"), "consumers", ["consumer_id"], ["id"]
        )
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("per_minute", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("per_day", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("family_quotas", _json(), nullable=True))
    op.create_table(
        "api_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("caller", sa.String(length=80), nullable=False),
        sa.Column("family", sa.String(length=40), nullable=False),
        sa.Column("status_class", sa.String(length=3), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("histogram", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_usage")),
        sa.UniqueConstraint(
            "day", "caller", "family", "status_class", name=op.f("uq_api_usage_day")
        ),
    )

    op.create_table(
        "record_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_changes_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_changes")),
    )
    with op.batch_alter_table("record_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_changes_item"), ["item"], unique=False)


def downgrade() -> None:
    op.drop_table("record_changes")
    op.drop_table("api_usage")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("family_quotas")
        batch_op.drop_column("per_day")
        batch_op.drop_column("per_minute")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("suspended_at")
        batch_op.drop_constraint(
            batch_op.f("fk_api_keys_consumer_id_consumers"), type_="foreignkey"
        )
        batch_op.drop_column("consumer_id")
    op.drop_table("consumers")
