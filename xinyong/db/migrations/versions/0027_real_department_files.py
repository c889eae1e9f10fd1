"""real department files (reserved: filled by the work on its issue)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 00:10:00
"""

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
