"""government integrity (reserved: filled by the work on its issue)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 00:10:00
"""

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
