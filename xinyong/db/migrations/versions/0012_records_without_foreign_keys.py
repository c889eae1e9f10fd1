"""records without foreign keys

On PostgreSQL every foreign key is checked row by row on COPY (a lookup and a row lock on the
referenced subject): for a bulk load that cost more than loading the row's text. write_versions
checks the references of each chunk with one query per column instead.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 07:54:25.705372
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FOREIGN_KEYS = (
    ("fk_records_subject_id_subjects", "subjects", "subject_id"),
    ("fk_records_department_id_departments", "departments", "department_id"),
    ("fk_records_batch_id_batches", "batches", "batch_id"),
)


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite rebuilds the table to change its constraints; dropping the old copy must not
    trip the foreign keys of the tables that reference records (objections, repairs ...)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade() -> None:
    _sqlite_foreign_keys(False)
    with op.batch_alter_table("records", schema=None) as batch_op:
        for name, _, _ in FOREIGN_KEYS:
            batch_op.drop_constraint(batch_op.f(name), type_="foreignkey")
    _sqlite_foreign_keys(True)


def downgrade() -> None:
    _sqlite_foreign_keys(False)
    with op.batch_alter_table("records", schema=None) as batch_op:
        for name, target, column in FOREIGN_KEYS:
            batch_op.create_foreign_key(batch_op.f(name), target, [column], ["id"])
    _sqlite_foreign_keys(True)
