"""Writing to and verifying the audit log, chained with a keyed MAC.

Each entry's ``entry_hash`` is HMAC-SHA256, under the chain key derived from the platform
secret (``xinyong.audit.keys``), of ``[seq, at, actor, ..., detail, prev_hash]`` as compact
JSON, ``prev_hash`` being the previous entry's. The key is not in the database, so whoever
changes or deletes entries with database access alone cannot make the chain verify again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import asyncpg
from sqlalchemy import Row, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from xinyong.audit.keys import audit_keys
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


def _digested_text(values: Mapping[str, Any]) -> str:
    return f'[{int(values["seq"])},{_digested_middle(values)},"{values["prev_hash"]}"]'


def _digest(values: Mapping[str, Any], key: bytes) -> str:
    """HMAC-SHA256 of ``[seq, at, ..., detail, prev_hash]`` as compact JSON (also computed by
    the PostgreSQL function ``audit_append``, migration 0015, from the same middle)."""
    return hmac.new(key, _digested_text(values).encode("utf-8"), hashlib.sha256).hexdigest()


def entry_digest(entry: AuditEntry, key: bytes | None = None) -> str:
    """The MAC an entry must carry (under the platform's chain key unless ``key`` is given)."""
    values = {name: getattr(entry, name) for name in _DIGESTED}
    return _digest(values, audit_keys().chain if key is None else key)


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

    The entries are numbered and chained by ``audit_append`` (migration 0015) exactly as
    ``append_events`` does it; the chain key goes with the statement as a parameter and is
    never stored. The statement commits whole or fails whole.
    """
    prefix, payloads = populate_cte(rows)
    at = utcnow()
    entries = json.dumps([_pending_entry(event, at) for event in events], ensure_ascii=False)
    n = len(payloads)
    append = f"SELECT audit_append(${n + 1}::json, ${n + 2}::bytea)"
    await connection.execute(prefix + append, *payloads, entries, audit_keys().chain)


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
    key = audit_keys().chain
    for event in events:
        seq += 1
        row = _entry_row(event, seq, at, prev_hash, key)
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


def _entry_row(event: Event, seq: int, at: datetime, prev_hash: str, key: bytes) -> dict[str, Any]:
    row = {"seq": seq, **_entry_columns(event, at), "prev_hash": prev_hash}
    row["entry_hash"] = _digest(row, key)
    return row


@dataclass(frozen=True)
class Problem:
    seq: int
    message: str


REKEY_ACTION = "audit.rekey"


@dataclass
class Verification:
    """What ``verify_log`` found: entries checked, problems (each naming an entry), notes,
    the stored hashes at the sequence numbers asked for, and the last entry seen."""

    count: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hashes: dict[int, str] = field(default_factory=dict)
    last_seq: int = 0
    last_hash: str = GENESIS


def _iter_entries(session: Session, after_seq: int) -> Iterator[Row[Any]]:
    """The entries as plain rows (no ORM objects: a log holds millions)."""
    yield from session.execute(
        select(*_LOG.c)
        .where(_LOG.c.seq > after_seq)
        .order_by(_LOG.c.seq)
        .execution_options(yield_per=5000)
    )


def _rekey_notes(entry: Row[Any]) -> list[str]:
    try:
        detail = json.loads(entry.detail)
    except ValueError:
        detail = {}
    notes = [
        f"审计条目 #{entry.seq}（{entry.at:%Y-%m-%d %H:%M}）：此前{detail.get('entries', '?')}条"
        "旧 SHA-256 哈希链条目已改为密钥哈希链（HMAC-SHA256）"
    ]
    notes += [f"改链时旧哈希链已有的问题：{problem}" for problem in detail.get("problems", [])]
    return notes


def verify_log(
    session: Session,
    *,
    after: tuple[int, str] = (0, GENESIS),
    wanted: frozenset[int] = frozenset(),
    key: bytes | None = None,
) -> Verification:
    """Check every entry after ``after`` (seq, hash: a checkpoint, or the start) against the
    chain key, the sequence and the head row; collect the stored hashes at ``wanted``."""
    mac = hmac.new(audit_keys().chain if key is None else key, digestmod=hashlib.sha256)
    found = Verification(last_seq=after[0], last_hash=after[1])
    expected_seq, prev_hash = after[0] + 1, after[1]
    for entry in _iter_entries(session, after[0]):
        found.count += 1
        if entry.seq > expected_seq:
            gap = (
                f"#{expected_seq}"
                if entry.seq == expected_seq + 1
                else f"#{expected_seq}-#{entry.seq - 1}"
            )
            found.problems.append(Problem(expected_seq, f"审计条目 {gap} 已被删除"))
        digest = mac.copy()
        digest.update(_digested_text({n: getattr(entry, n) for n in _DIGESTED}).encode("utf-8"))
        if not hmac.compare_digest(digest.hexdigest(), entry.entry_hash):
            found.problems.append(
                Problem(entry.seq, f"审计条目 #{entry.seq} 的内容被篡改（密钥哈希不符）")
            )
        elif entry.prev_hash != prev_hash and entry.seq == expected_seq:
            found.problems.append(
                Problem(
                    entry.seq - 1,
                    f"审计条目 #{entry.seq - 1} 已被改写（#{entry.seq} 记录的前序哈希与之不符）",
                )
            )
        if entry.seq in wanted:
            found.hashes[entry.seq] = entry.entry_hash
        if entry.action == REKEY_ACTION:
            found.notes.extend(_rekey_notes(entry))
        prev_hash = entry.entry_hash
        expected_seq = entry.seq + 1
    found.last_seq, found.last_hash = expected_seq - 1, prev_hash
    head = session.get(AuditHead, _HEAD_ID, populate_existing=True)
    last_seq = head.last_seq if head else 0
    if last_seq >= expected_seq:
        gap = f"#{expected_seq}" if last_seq == expected_seq else f"#{expected_seq}-#{last_seq}"
        found.problems.append(Problem(expected_seq, f"审计条目 {gap}（日志末尾）已被删除"))
    elif head is not None and head.last_hash != prev_hash:
        found.problems.append(Problem(last_seq, f"审计条目 #{last_seq} 与日志头记录的哈希不符"))
    return found


def verify_chain(session: Session) -> tuple[int, list[Problem]]:
    """Check every entry; return (entries checked, problems found, each naming an entry)."""
    found = verify_log(session)
    return found.count, found.problems
