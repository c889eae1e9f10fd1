"""credit reports (reserved: filled by the work on its issue)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 00:10:00
"""

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
