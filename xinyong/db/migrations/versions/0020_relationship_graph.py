"""relationship graph: graph_edges

One row per relation a shareholder or key personnel record version states (holding, officer,
legal representative), with the record behind it; built by ``xinyong.graph.build`` (after
each batch of those items, or in full by ``xinyong graph rebuild``). Nodes are not stored.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "graph_edges",
        sa.Column("id", _id(), nullable=False),
        sa.Column("record_id", _id(), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("source_kind", sa.String(length=32), nullable=False),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column("source_masked", sa.String(length=32), nullable=True),
        sa.Column("source_id_enc", sa.Text(), nullable=True),
        sa.Column("target_key", sa.String(length=80), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("ratio", sa.Float(), nullable=True),
        sa.Column("subscribed_wan", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("paid_wan", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("method", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=60), nullable=True),
        sa.Column("controls", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_graph_edges_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["subjects.id"], name=op.f("fk_graph_edges_target_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_graph_edges")),
        sa.UniqueConstraint("record_id", "kind", name="uq_graph_edges_record_kind"),
    )
    op.create_index("ix_graph_edges_source_key", "graph_edges", ["source_key"])
    op.create_index("ix_graph_edges_target_key", "graph_edges", ["target_key"])


def downgrade() -> None:
    op.drop_index("ix_graph_edges_target_key", table_name="graph_edges")
    op.drop_index("ix_graph_edges_source_key", table_name="graph_edges")
    op.drop_table("graph_edges")
