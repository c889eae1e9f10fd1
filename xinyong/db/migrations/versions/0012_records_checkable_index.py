"""records: partial index of the records a credit check can hit

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 08:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CHECKABLE = "is_current AND status = 'active' AND (item <> 'admin_penalty' OR severity = 'serious')"


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_records_checkable",
            ["subject_id"],
            unique=False,
            postgresql_where=sa.text(CHECKABLE),
            sqlite_where=sa.text(CHECKABLE),
        )


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_checkable")
