"""records: field values as JSON arrays in the order of a layout (record_layouts)

A record's ``fields`` were a JSON object, repeating every field code in every record (about a
quarter of a record's bytes). They become an array; ``layout_id`` names the layout, the item's
field codes in array order. A layout's id is 63 bits of the SHA-256 of the item and its codes
(``xinyong.records.layouts.layout_id``; repeated here so that this migration never changes).
Existing records get one layout per item: the codes any of its records has, sorted.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 12:00:00
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _layout_id(item: str, codes: list[str]) -> int:
    text = "\x1f".join([item, *codes])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def _codes_by_item(bind: sa.Connection, postgres: bool) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {
        item: set() for item in bind.execute(sa.text("SELECT DISTINCT item FROM records")).scalars()
    }
    keys = (
        "SELECT DISTINCT item, json_object_keys(fields) FROM records"
        if postgres
        else "SELECT DISTINCT r.item, j.key FROM records r, json_each(r.fields) j"
    )
    for item, code in bind.execute(sa.text(keys)).all():
        found[item].add(code)
    return {item: sorted(codes) for item, codes in found.items()}


def _as_array(codes: list[str], postgres: bool) -> str:
    for code in codes:
        assert code.replace("_", "").isalnum(), code  # codes go into SQL text
    if postgres:
        return "json_build_array(" + ", ".join(f"fields -> '{c}'" for c in codes) + ")"
    return "json_array(" + ", ".join(f"json_extract(fields, '$.{c}')" for c in codes) + ")"


def _as_object(codes: list[str], postgres: bool) -> str:
    if postgres:
        members = ", ".join(f"'{c}', fields -> {n}" for n, c in enumerate(codes))
        return f"json_strip_nulls(json_build_object({members}))"
    members = ", ".join(f"'{c}', json_extract(fields, '$[{n}]')" for n, c in enumerate(codes))
    return f"json_patch('{{}}', json_object({members}))"  # json_patch drops null members


def upgrade() -> None:
    op.create_table(
        "record_layouts",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("positions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_layouts")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("layout_id", sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    layouts = sa.table(
        "record_layouts",
        sa.column("id"),
        sa.column("item"),
        sa.column("codes", sa.JSON()),
        sa.column("positions", sa.JSON()),
        sa.column("created_at"),
    )
    for item, codes in _codes_by_item(bind, postgres).items():
        layout = _layout_id(item, codes)
        op.bulk_insert(
            layouts,
            [
                {
                    "id": layout,
                    "item": item,
                    "codes": codes,
                    "positions": {c: n for n, c in enumerate(codes)},
                    "created_at": datetime.now(UTC).replace(tzinfo=None),
                }
            ],
        )
        values = _as_array(codes, postgres) if codes else "'[]'"
        bind.execute(
            sa.text(
                f"UPDATE records SET fields = {values}, layout_id = :layout WHERE item = :item"
            ),
            {"layout": layout, "item": item},
        )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.alter_column("layout_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_records_layout_id_record_layouts"),
            "record_layouts",
            ["layout_id"],
            ["id"],
        )


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for layout, codes in bind.execute(sa.text("SELECT id, codes FROM record_layouts")).all():
        codes = json.loads(codes) if isinstance(codes, str) else codes
        values = _as_object(codes, postgres) if codes else "'{}'"
        bind.execute(
            sa.text(f"UPDATE records SET fields = {values} WHERE layout_id = :layout"),
            {"layout": layout},
        )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_records_layout_id_record_layouts"), type_="foreignkey"
        )
        batch_op.drop_column("layout_id")
    op.drop_table("record_layouts")
