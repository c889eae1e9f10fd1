"""What a backup vouches for: row counts, a digest of every record version, the audit head.

The same function describes the live database at backup time (inside the snapshot the dump
is taken from) and the restored one, so a restore that lost or changed a single record
version, or an audit entry, is told apart from a good one.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, text

COUNTED = ("subjects", "records", "audit_log", "batches", "objections", "evaluation_grades")
_RECORD_COLUMNS = (
    "id, record_key, version, is_current, item, subject_id, status, content_hash, publication_state"
)


def describe(connection: Connection) -> dict[str, Any]:
    """Counts, the records digest and the audit head of the database behind ``connection``."""
    tables = set(_tables(connection))
    counts = {
        name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
        for name in COUNTED
        if name in tables
    }
    digest = hashlib.sha256()
    rows = connection.execution_options(yield_per=10_000).execute(
        text(f"SELECT {_RECORD_COLUMNS} FROM records ORDER BY id")
    )
    for row in rows:
        digest.update("\x1f".join(_text(v) for v in row).encode("utf-8"))
        digest.update(b"\x1e")
    head = connection.execute(
        text("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
    ).one_or_none()
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {
        "revision": revision,
        "counts": counts,
        "records_digest": digest.hexdigest(),
        "audit_head": {"seq": head[0], "hash": head[1]} if head else {"seq": 0, "hash": None},
    }


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(int(value)) if isinstance(value, bool) else str(value)


def _tables(connection: Connection) -> list[str]:
    from sqlalchemy import inspect

    return inspect(connection).get_table_names()
