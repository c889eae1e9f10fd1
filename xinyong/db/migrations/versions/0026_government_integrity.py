"""government integrity: upward exchange packages and their rows (receipts, deadlines)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 00:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_packages")),
        sa.UniqueConstraint("number", name=op.f("uq_exchange_packages_number")),
    )
    op.create_index(op.f("ix_exchange_packages_target"), "exchange_packages", ["target"])
    op.create_index(op.f("ix_exchange_packages_state"), "exchange_packages", ["state"])
    op.create_table(
        "exchange_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=True),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("record_key", sa.String(length=64), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["exchange_packages.id"],
            name=op.f("fk_exchange_rows_package_id_exchange_packages"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_exchange_rows_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_exchange_rows_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rows")),
    )
    for column in ("package_id", "record_id", "record_key", "source_id", "department_id", "state"):
        op.create_index(op.f(f"ix_exchange_rows_{column}"), "exchange_rows", [column])


def downgrade() -> None:
    op.drop_table("exchange_rows")
    op.drop_table("exchange_packages")
