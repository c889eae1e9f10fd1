"""Writing to and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import asyncpg
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEntry, AuditHead
from xinyong.clock import utcnow
from xinyong.db.rows import insert_rows, populate_cte

GENESIS = "0" * 64
_HEAD_ID = 1


@dataclass(frozen=True)
class Actor:
    """Who is acting: ``user:NAME``, ``apikey:PREFIX``, ``cli:NAME`` or ``system``."""

    name: str
    ip: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls("system")


_DIGESTED = (
    "seq",
    "at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "ip",
    "purpose",
    "detail",
    "prev_hash",
)


def _digested_middle(values: Mapping[str, Any]) -> str:
    """The hashed JSON array without its first (seq) and last (prev_hash) elements."""
    middle = [values[name] for name in _DIGESTED[1:-1]]
    middle[0] = middle[0].isoformat(timespec="microseconds")
    return json.dumps(middle, ensure_ascii=False, separators=(",", ":"))[1:-1]


def _digest(values: Mapping[str, Any]) -> str:
    """SHA-256 of ``[seq, at, ..., detail, prev_hash]`` as compact JSON (also computed by the
    PostgreSQL function ``audit_append``, migration 0013, from the same middle)."""
    data = f'[{int(values["seq"])},{_digested_middle(values)},"{values["prev_hash"]}"]'
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def entry_digest(entry: AuditEntry) -> str:
    return _digest({name: getattr(entry, name) for name in _DIGESTED})


_HEAD = cast(Table, AuditHead.__table__)
_LOG = cast(Table, AuditEntry.__table__)
# Built once: every audited action runs these two.
_READ_HEAD = (
    select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == _HEAD_ID).with_for_update()
)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == _HEAD_ID)
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"))
)


def _lock_head(session: Session) -> tuple[int, str]:
    """The head's (last_seq, last_hash), locked until the transaction ends."""
    connection = session.connection()
    head = connection.execute(_READ_HEAD).first()
    if head is None:
        # The first entry ever: concurrent first writers must not both create the head.
        create = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        connection.execute(
            create(_HEAD)
            .values(id=_HEAD_ID, last_seq=0, last_hash=GENESIS)
            .on_conflict_do_nothing()
        )
        head = connection.execute(_READ_HEAD).one()
    return int(head.last_seq), str(head.last_hash)


@dataclass(frozen=True)
class Event:
    """One thing to write to the log (``append_events`` numbers and chains it)."""

    actor: Actor
    action: str
    target_type: str
    target_id: str | int
    purpose: str | None = None
    detail: dict[str, Any] | None = None


def record_event(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | int,
    purpose: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction (it commits with the change it records)."""
    append_events(session, [Event(actor, action, target_type, target_id, purpose, detail)])


def append_events(session: Session, events: list[Event]) -> None:
    """Append entries in order in the caller's transaction, taking the head lock once.

    The head row stays locked until that transaction ends, so a writer appending many events
    (the credit-check service appends a batch per commit) pays for the lock once.
    """
    rows, seq, last_hash = _chain(events, *_lock_head(session))
    insert_rows(session, _LOG, rows)
    session.connection().execute(_MOVE_HEAD, {"seq": seq, "hash": last_hash})


async def write_with_events(
    connection: asyncpg.Connection,
    events: list[Event],
    rows: list[tuple[Table, list[dict[str, Any]]]],
) -> None:
    """Insert ``rows`` and append ``events`` in one statement, hence one transaction, on an
    asyncpg connection outside a transaction: one round trip, and the head lock is held
    inside the server only.

    The entries are numbered and chained by ``audit_append`` (migration 0013) exactly as
    ``append_events`` does it. The statement commits whole or fails whole.
    """
    prefix, payloads = populate_cte(rows)
    at = utcnow()
    entries = json.dumps([_pending_entry(event, at) for event in events], ensure_ascii=False)
    append = f"SELECT audit_append(${len(payloads) + 1}::json)"
    await connection.execute(prefix + append, *payloads, entries)


def _pending_entry(event: Event, at: datetime) -> dict[str, Any]:
    """An entry's columns with ``at`` as text and the middle of its digest, for ``audit_append``."""
    row = _entry_columns(event, at)
    row["digested"] = _digested_middle(row)
    row["at"] = at.isoformat(timespec="microseconds")
    return row


def _chain(events: list[Event], seq: int, prev_hash: str) -> tuple[list[dict[str, Any]], int, str]:
    """Number and chain ``events`` after (seq, prev_hash); return the rows and the new head."""
    rows = []
    at = utcnow()
    for event in events:
        seq += 1
        row = _entry_row(event, seq, at, prev_hash)
        prev_hash = row["entry_hash"]
        rows.append(row)
    return rows, seq, prev_hash


def _entry_columns(event: Event, at: datetime) -> dict[str, Any]:
    return {
        "at": at,
        "actor": event.actor.name,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": str(event.target_id),
        "ip": event.actor.ip,
        "purpose": event.purpose,
        "detail": json.dumps(event.detail or {}, ensure_ascii=False, sort_keys=True, default=str),
    }


def _entry_row(event: Event, seq: int, at: datetime, prev_hash: str) -> dict[str, Any]:
    row = {"seq": seq, **_entry_columns(event, at), "prev_hash": prev_hash}
    row["entry_hash"] = _digest(row)
    return row


@dataclass(frozen=True)
class Problem:
    seq: int
    message: str


def _iter_entries(session: Session) -> Iterator[AuditEntry]:
    yield from session.execute(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=5000)
    ).scalars()


def verify_chain(session: Session) -> tuple[int, list[Problem]]:
    """Check every entry; return (entries checked, problems found, each naming an entry)."""
    problems: list[Problem] = []
    expected_seq = 1
    prev_hash = GENESIS
    count = 0
    for entry in _iter_entries(session):
        count += 1
        if entry.seq > expected_seq:
            gap = (
                f"#{expected_seq}"
                if entry.seq == expected_seq + 1
                else f"#{expected_seq}-#{entry.seq - 1}"
            )
            problems.append(Problem(expected_seq, f"审计条目 {gap} 已被删除"))
        if entry_digest(entry) != entry.entry_hash:
            problems.append(Problem(entry.seq, f"审计条目 #{entry.seq} 的内容被篡改（哈希不符）"))
        elif entry.prev_hash != prev_hash and entry.seq == expected_seq:
            problems.append(
                Problem(
                    entry.seq - 1,
                    f"审计条目 #{entry.seq - 1} 已被改写（#{entry.seq} 记录的前序哈希与之不符）",
                )
            )
        prev_hash = entry.entry_hash
        expected_seq = entry.seq + 1
    head = session.get(AuditHead, _HEAD_ID, populate_existing=True)
    last_seq = head.last_seq if head else 0
    if last_seq >= expected_seq:
        gap = f"#{expected_seq}" if last_seq == expected_seq else f"#{expected_seq}-#{last_seq}"
        problems.append(Problem(expected_seq, f"审计条目 {gap}（日志末尾）已被删除"))
    elif head is not None and head.last_hash != prev_hash:
        problems.append(Problem(last_seq, f"审计条目 #{last_seq} 与日志头记录的哈希不符"))
    return count, problems
