"""Graph edges: what one record version says about a relation between two nodes.

An edge is derived from one version of one shareholder or key personnel record and never
changes; the record version behind it (``record_id``) says whether it is current, when it was
recorded and superseded, and whether the public may see it. Nodes are not stored: an
organisation node is its USCC (named from the subject database when the platform knows it), a
natural person is the keyed hash of the ID number (``person:<hash>``, shown masked), and a
holder without a code (a foreign investor) is local to the company that names it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db.base import Base

HOLDING = "holding"
OFFICER = "officer"
LEGAL_REPRESENTATIVE = "legal_representative"
EDGE_KINDS = {HOLDING: "持股", OFFICER: "任职", LEGAL_REPRESENTATIVE: "法定代表人"}


class GraphEdge(Base):
    """One relation from a source node (holder, officer) to a target organisation."""

    __tablename__ = "graph_edges"
    __table_args__ = (
        UniqueConstraint("record_id", "kind", name="uq_graph_edges_record_kind"),
        Index("ix_graph_edges_source_key", "source_key"),
        Index("ix_graph_edges_target_key", "target_key"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("records.id")
    )
    item: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    # USCC, ``person:<keyed hash>`` or ``name:<digest>`` (a holder without a code)
    source_key: Mapped[str] = mapped_column(String(80))
    source_kind: Mapped[str] = mapped_column(String(32))
    source_name: Mapped[str] = mapped_column(String(200))
    source_masked: Mapped[str | None] = mapped_column(String(32))
    source_id_enc: Mapped[str | None] = mapped_column(Text)
    target_key: Mapped[str] = mapped_column(String(80))
    target_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    ratio: Mapped[float | None] = mapped_column(Float)  # a fraction (0.6 for 60%), as sent
    subscribed_wan: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    paid_wan: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    method: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(60))
    # An executive partner (执行事务合伙人) controls its partnership whatever its share.
    controls: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
