"""warnings and monitoring: industry and district on subjects, warnings, monitoring values,
the rows counted in each indicator part, and follow-up tasks

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 00:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("industry", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("district", sa.String(length=6), nullable=True))
        batch.create_index("ix_subjects_industry", ["industry"])
        batch.create_index("ix_subjects_district", ["district"])
    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("rule_version", sa.Date(), nullable=False),
        sa.Column("family", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("group_kind", sa.String(length=16), nullable=True),
        sa.Column("group_code", sa.String(length=16), nullable=True),
        sa.Column("recipient", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_warnings_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_warnings_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_warnings_dedup_key")),
    )
    op.create_index("ix_warnings_rule", "warnings", ["rule"])
    op.create_index("ix_warnings_subject_id", "warnings", ["subject_id"])
    op.create_index("ix_warnings_state_recipient", "warnings", ["state", "recipient"])
    op.create_table(
        "monitoring_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("indicator_version", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_values")),
        sa.UniqueConstraint("indicator", "month", name="uq_monitoring_values_month"),
    )
    op.create_table(
        "monitoring_rows",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("value_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=12), nullable=False),
        sa.Column("ref_id", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["value_id"],
            ["monitoring_values.id"],
            name=op.f("fk_monitoring_rows_value_id_monitoring_values"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_rows")),
    )
    op.create_index("ix_monitoring_rows_value_part", "monitoring_rows", ["value_id", "part"])
    op.create_table(
        "monitoring_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_monitoring_followups_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_followups")),
        sa.UniqueConstraint("indicator", "month", "department", name="uq_monitoring_followups_key"),
    )
    op.create_index("ix_monitoring_followups_state", "monitoring_followups", ["state"])


def downgrade() -> None:
    op.drop_table("monitoring_followups")
    op.drop_table("monitoring_rows")
    op.drop_table("monitoring_values")
    op.drop_table("warnings")
    # Not a batch: on SQLite a batch copies ``subjects`` and drops it, which the foreign keys
    # of every table holding subjects refuse. SQLite (3.35+) drops a column in place.
    op.drop_index("ix_subjects_district", table_name="subjects")
    op.drop_index("ix_subjects_industry", table_name="subjects")
    op.execute("ALTER TABLE subjects DROP COLUMN district")
    op.execute("ALTER TABLE subjects DROP COLUMN industry")
