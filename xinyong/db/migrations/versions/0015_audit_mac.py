"""audit: entries chained with HMAC-SHA256 under a key derived from the platform secret

Until 0014 each entry's hash was plain SHA-256 of ``[seq, at, actor, action, target_type,
target_id, ip, purpose, detail, prev_hash]`` (compact JSON), so anyone able to write the
database could delete entries and recompute the chain. From here it is HMAC-SHA256 of the same
text under the chain key, HKDF-SHA256(platform secret, salt "xinyong", info "audit-chain-mac"),
which is never stored in the database.

* PostgreSQL: ``audit_append(entries json, mac_key bytea)`` replaces ``audit_append(json)``;
  the client passes the chain key with every call and pgcrypto's ``hmac()`` computes the MAC
  (``CREATE EXTENSION pgcrypto``: a trusted extension, the database owner may create it).
* An existing chain is brought over here: the old SHA-256 chain is verified, every entry is
  MACed again in order, and an ``audit.rekey`` entry records how many entries were re-keyed,
  the old head (seq and SHA-256 hash) and every problem the old chain had (deleted entries
  keep their gaps, which the new chain still reports). This needs the platform key (the
  migration refuses without it, in Chinese); an empty log needs none.
* Triggers refuse UPDATE and DELETE of audit entries (PostgreSQL: TRUNCATE too) and any
  move of the head row backwards, so the application cannot rewrite the log. An owner of the
  tables can still drop them: the README tells operators to run the application under a role
  without UPDATE, DELETE and TRUNCATE on audit_log. On SQLite they guard against mistakes only
  (note: a batch migration that copies audit_log on SQLite must create them again).

The MAC and the old hash are repeated here so that this migration never changes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 10:00:00
"""

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
CHUNK = 10_000

AUDIT_APPEND = """
CREATE OR REPLACE FUNCTION audit_append(entries json, mac_key bytea) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    head_seq integer;
    head_hash text;
    entry json;
    new_hash text;
BEGIN
    IF mac_key IS NULL OR length(mac_key) < 32 THEN
        RAISE EXCEPTION '审计日志密钥缺失或过短';
    END IF;
    SELECT last_seq, last_hash INTO head_seq, head_hash FROM audit_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, repeat('0', 64))
            ON CONFLICT DO NOTHING;
        SELECT last_seq, last_hash INTO head_seq, head_hash
            FROM audit_head WHERE id = 1 FOR UPDATE;
    END IF;
    FOR entry IN SELECT value FROM json_array_elements(entries) LOOP
        head_seq := head_seq + 1;
        new_hash := encode(hmac(convert_to(
            '[' || head_seq || ',' || (entry ->> 'digested') || ',"' || head_hash || '"]',
            'UTF8'), mac_key, 'sha256'), 'hex');
        INSERT INTO audit_log (seq, at, actor, action, target_type, target_id, ip, purpose,
                               detail, prev_hash, entry_hash)
        VALUES (head_seq, (entry ->> 'at')::timestamp, entry ->> 'actor', entry ->> 'action',
                entry ->> 'target_type', entry ->> 'target_id', entry ->> 'ip',
                entry ->> 'purpose', entry ->> 'detail', head_hash, new_hash);
        head_hash := new_hash;
    END LOOP;
    UPDATE audit_head SET last_seq = head_seq, last_hash = head_hash WHERE id = 1;
    RETURN head_seq;
END
$$
"""

# 0013's function, for the downgrade.
OLD_AUDIT_APPEND = """
CREATE OR REPLACE FUNCTION audit_append(entries json) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    head_seq integer;
    head_hash text;
    entry json;
    new_hash text;
BEGIN
    SELECT last_seq, last_hash INTO head_seq, head_hash FROM audit_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, repeat('0', 64))
            ON CONFLICT DO NOTHING;
        SELECT last_seq, last_hash INTO head_seq, head_hash
            FROM audit_head WHERE id = 1 FOR UPDATE;
    END IF;
    FOR entry IN SELECT value FROM json_array_elements(entries) LOOP
        head_seq := head_seq + 1;
        new_hash := encode(sha256(convert_to(
            '[' || head_seq || ',' || (entry ->> 'digested') || ',"' || head_hash || '"]',
            'UTF8')), 'hex');
        INSERT INTO audit_log (seq, at, actor, action, target_type, target_id, ip, purpose,
                               detail, prev_hash, entry_hash)
        VALUES (head_seq, (entry ->> 'at')::timestamp, entry ->> 'actor', entry ->> 'action',
                entry ->> 'target_type', entry ->> 'target_id', entry ->> 'ip',
                entry ->> 'purpose', entry ->> 'detail', head_hash, new_hash);
        head_hash := new_hash;
    END LOOP;
    UPDATE audit_head SET last_seq = head_seq, last_hash = head_hash WHERE id = 1;
    RETURN head_seq;
END
$$
"""

PG_GUARDS = [
    """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '审计日志只能追加，不能修改、删除或清空（%）', TG_OP;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.last_seq < OLD.last_seq
       OR (NEW.last_seq = OLD.last_seq AND NEW.last_hash <> OLD.last_hash) THEN
        RAISE EXCEPTION '审计日志头只能随追加前移（%）', TG_OP;
    END IF;
    RETURN NEW;
END
$$
""",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
]
PG_UNGUARD = [
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
    "DROP FUNCTION IF EXISTS audit_head_forward_only()",
]
SQLITE_GUARDS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
    "WHEN NEW.last_seq < OLD.last_seq "
    "OR (NEW.last_seq = OLD.last_seq AND NEW.last_hash <> OLD.last_hash) "
    "BEGIN SELECT RAISE(ABORT, '审计日志头只能随追加前移'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, '审计日志头不能删除'); END",
]
SQLITE_UNGUARD = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_forward_only",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
]

LOG = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.String),
    sa.column("ip", sa.String),
    sa.column("purpose", sa.Text),
    sa.column("detail", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("entry_hash", sa.String),
)
HEAD = sa.table(
    "audit_head",
    sa.column("id", sa.Integer),
    sa.column("last_seq", sa.Integer),
    sa.column("last_hash", sa.String),
)
DIGESTED = ("at", "actor", "action", "target_type", "target_id", "ip", "purpose", "detail")


def _text(row: Any, prev_hash: str) -> bytes:
    middle = [getattr(row, name) for name in DIGESTED]
    middle[0] = middle[0].isoformat(timespec="microseconds")
    rendered = json.dumps(middle, ensure_ascii=False, separators=(",", ":"))[1:-1]
    return f'[{int(row.seq)},{rendered},"{prev_hash}"]'.encode()


def _sha256(row: Any, prev_hash: str) -> str:
    return hashlib.sha256(_text(row, prev_hash)).hexdigest()


def _chain_key(bind: sa.Connection) -> bytes:
    from xinyong.settings import load_settings

    url = bind.engine.url.render_as_string(hide_password=False)
    secret = load_settings(database_url=url).secret_key
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"xinyong", info=b"audit-chain-mac"
    ).derive(secret)


def _rows(bind: sa.Connection) -> Iterator[Sequence[Any]]:
    """Every entry in order, read in chunks (the log may be large)."""
    last = 0
    while True:
        chunk = bind.execute(
            sa.select(LOG).where(LOG.c.seq > last).order_by(LOG.c.seq).limit(CHUNK)
        ).all()
        if not chunk:
            return
        yield chunk
        last = chunk[-1].seq


def _head(bind: sa.Connection) -> tuple[int, str] | None:
    head = bind.execute(sa.select(HEAD.c.last_seq, HEAD.c.last_hash).where(HEAD.c.id == 1)).first()
    return (int(head.last_seq), str(head.last_hash)) if head else None


def _rechain(
    bind: sa.Connection, digest: Callable[[Any, str], str]
) -> tuple[int, int, str, str, list[str]]:
    """Verify the old SHA-256 chain while writing the new one with ``digest``.

    Returns (entries, last seq, last old hash, last new hash, problems of the old chain).
    """
    problems: list[str] = []
    count, expected, old_prev, new_prev = 0, 1, GENESIS, GENESIS
    update = (
        sa.update(LOG)
        .where(LOG.c.seq == sa.bindparam("s"))
        .values(prev_hash=sa.bindparam("p"), entry_hash=sa.bindparam("h"))
    )
    for chunk in _rows(bind):
        changes = []
        for row in chunk:
            count += 1
            if row.seq > expected:
                problems.append(f"审计条目 #{expected}-#{row.seq - 1} 已被删除")
            if _sha256(row, row.prev_hash) != row.entry_hash:
                problems.append(f"审计条目 #{row.seq} 的内容被篡改（哈希不符）")
            elif row.prev_hash != old_prev and row.seq == expected:
                problems.append(f"审计条目 #{row.seq - 1} 已被改写（#{row.seq} 的前序哈希不符）")
            new_hash = digest(row, new_prev)
            changes.append({"s": row.seq, "p": new_prev, "h": new_hash})
            old_prev, new_prev, expected = row.entry_hash, new_hash, row.seq + 1
        bind.execute(update, changes)
    return count, expected - 1, old_prev, new_prev, problems


def _set_head(bind: sa.Connection, seq: int, last_hash: str) -> None:
    if _head(bind) is None:
        bind.execute(sa.insert(HEAD).values(id=1, last_seq=seq, last_hash=last_hash))
    else:
        bind.execute(
            sa.update(HEAD).where(HEAD.c.id == 1).values(last_seq=seq, last_hash=last_hash)
        )


def _rekey(bind: sa.Connection) -> None:
    if bind.execute(sa.select(LOG.c.seq).limit(1)).first() is None:
        return  # an empty log: nothing to bring over, no key needed
    key = _chain_key(bind)

    def mac(row: Any, prev_hash: str) -> str:
        return hmac.new(key, _text(row, prev_hash), hashlib.sha256).hexdigest()

    count, last_seq, old_hash, new_hash, problems = _rechain(bind, mac)
    head = _head(bind)
    if head is None:
        problems.append("审计日志头缺失")
    elif head[0] > last_seq:
        problems.append(f"审计条目 #{last_seq + 1}-#{head[0]}（日志末尾）已被删除")
    elif head[1] != old_hash:
        problems.append(f"审计条目 #{head[0]} 与日志头记录的哈希不符")
    seq = max(last_seq, head[0] if head else 0) + 1
    detail = {
        "from": "sha256",
        "to": "hmac-sha256",
        "entries": count,
        "sha256_head": {"seq": last_seq, "hash": old_hash},
        "problems": problems,
    }
    entry: dict[str, Any] = {
        "seq": seq,
        "at": datetime.now(UTC).replace(tzinfo=None),
        "actor": "system:migration",
        "action": "audit.rekey",
        "target_type": "audit_log",
        "target_id": "0015",
        "ip": None,
        "purpose": None,
        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
        "prev_hash": new_hash,
    }
    entry["entry_hash"] = mac(_Row(entry), new_hash)
    bind.execute(sa.insert(LOG).values(**entry))
    _set_head(bind, seq, entry["entry_hash"])


class _Row:
    """An entry dictionary read like a row."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
        op.execute("DROP FUNCTION IF EXISTS audit_append(json)")
        op.execute(AUDIT_APPEND)
    _rekey(bind)
    for statement in PG_GUARDS if postgres else SQLITE_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    """Back to the plain SHA-256 chain of 0013 (entries rechained, nothing verified)."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for statement in PG_UNGUARD if postgres else SQLITE_UNGUARD:
        op.execute(statement)
    if bind.execute(sa.select(LOG.c.seq).limit(1)).first() is not None:
        _, last_seq, _, new_hash, _ = _rechain(bind, _sha256)
        head = _head(bind)
        _set_head(bind, max(last_seq, head[0] if head else 0), new_hash)
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS audit_append(json, bytea)")
        op.execute(OLD_AUDIT_APPEND)
