"""lending and self service (reserved: filled by the work on its issue)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 00:10:00
"""

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
