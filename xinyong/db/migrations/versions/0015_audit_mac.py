"""audit: entries chained with HMAC-SHA256 under a key derived from the platform secret

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 10:00:00
"""

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
