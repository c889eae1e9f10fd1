"""evaluation: grades, their history and runs

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_grades",
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_evaluation_grades_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("subject_id", "model", name=op.f("pk_evaluation_grades")),
    )
    op.create_table(
        "evaluation_grade_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("old_grade", sa.String(length=8), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_evaluation_grade_history_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_grade_history")),
    )
    op.create_index(
        "ix_evaluation_grade_history_subject",
        "evaluation_grade_history",
        ["subject_id", "model", "valid_from"],
        unique=False,
    )
    op.create_table(
        "evaluation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_runs")),
    )
    op.create_index("ix_evaluation_runs_model", "evaluation_runs", ["model", "as_of"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_evaluation_runs_model", table_name="evaluation_runs")
    op.drop_table("evaluation_runs")
    op.drop_index("ix_evaluation_grade_history_subject", table_name="evaluation_grade_history")
    op.drop_table("evaluation_grade_history")
    op.drop_table("evaluation_grades")
