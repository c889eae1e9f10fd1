"""publishing on arrival as a right per department and catalog item

A department that reviews in its own system may publish on arrival, but only the items it
has been given that right for (``departments.publish_items``, a JSON list of item codes);
the former all-or-nothing flag becomes the list of the dual publicity items.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 12:00:00
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

DUAL_PUBLICITY = ["admin_license", "admin_penalty"]


def _json() -> Any:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publish_items", _json(), nullable=True))
    departments = sa.table(
        "departments",
        sa.column("publish_on_arrival", sa.Boolean()),
        sa.column("publish_items", _json()),
    )
    op.execute(
        departments.update()
        .where(departments.c.publish_on_arrival.is_(True))
        .values(publish_items=DUAL_PUBLICITY)
    )
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_column("publish_on_arrival")


def downgrade() -> None:
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("publish_on_arrival", sa.Boolean(), nullable=False, server_default="0")
        )
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, publish_items FROM departments")).all()
    for department_id, items in rows:
        granted = json.loads(items) if isinstance(items, str) else items
        if granted:
            bind.execute(
                sa.text("UPDATE departments SET publish_on_arrival = :yes WHERE id = :id"),
                {"yes": True, "id": department_id},
            )
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_column("publish_items")
