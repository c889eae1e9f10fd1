"""records: JSON instead of JSONB for fields and original_row on PostgreSQL

Records are bulk-loaded far more often than queried by field; JSON avoids the JSONB parse on
COPY. SQLite stores both as text either way, so nothing changes there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:12:40.673734
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = (("fields", False), ("original_row", True))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, nullable in COLUMNS:
        op.alter_column(
            "records",
            name,
            existing_type=postgresql.JSONB(astext_type=sa.Text()),
            type_=sa.JSON(),
            existing_nullable=nullable,
            postgresql_using=f"{name}::json",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, nullable in COLUMNS:
        op.alter_column(
            "records",
            name,
            existing_type=sa.JSON(),
            type_=postgresql.JSONB(astext_type=sa.Text()),
            existing_nullable=nullable,
            postgresql_using=f"{name}::jsonb",
        )
