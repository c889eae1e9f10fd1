"""ingest queue: a batch is queued, run by a worker process, and says why it failed

``batches.job`` holds what the worker needs (the stored upload, the submitter, publish on
arrival), ``batches.error`` the Chinese reason a batch failed, ``batches.started_at`` when a
worker took it. Batches loaded before keep these empty.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 00:30:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _json() -> Any:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job", _json(), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("started_at")
        batch_op.drop_column("error")
        batch_op.drop_column("job")
