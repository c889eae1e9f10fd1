"""audit: audit_append(), chaining a batch of entries inside PostgreSQL

The credit-check service writes its check rows and audit entries in one autocommitted
statement: the head is locked, the entries numbered and hashed, and the head moved, all
server-side, so the head lock is held for that statement only (no client round trips).
The hash is the one ``xinyong.audit.log`` computes: SHA-256 of the JSON array
``[seq, at, actor, action, target_type, target_id, ip, purpose, detail, prev_hash]``;
the client sends the middle of that array (``digested``, from ``at`` to ``detail``), already
rendered, and the function puts the sequence number and the previous hash around it.
SQLite has no such function: there the log is chained in Python.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 10:00:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

AUDIT_APPEND = """
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


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_append(json)")
