"""grade objections: an objection may dispute a credit grade, naming the model and indicator

``objections.record_id`` becomes optional (a grade objection names no record; its
``record_key`` is ``grade:<model>``), and two columns name the disputed model and indicator.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 21:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("objections") as batch:
        batch.alter_column("record_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("model_code", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("indicator", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("objections") as batch:
        batch.drop_column("indicator")
        batch.drop_column("model_code")
        batch.alter_column("record_id", existing_type=sa.Integer(), nullable=False)
