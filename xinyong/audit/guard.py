"""The triggers that keep the audit log append-only (migration 0015), and lifting them.

PostgreSQL refuses UPDATE, DELETE and TRUNCATE of ``audit_log`` and any move of
``audit_head`` backwards; SQLite refuses UPDATE and DELETE. ``guard_lifted`` is the insider's
way around them (a PostgreSQL superuser; anyone holding an SQLite file): tests use it to
tamper with the log as such an insider would, and show that ``xinyong audit verify`` still
finds it out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

# As created by migration 0015.
SQLITE_GUARDS = (
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
)
SQLITE_TRIGGERS = (
    "audit_log_no_update",
    "audit_log_no_delete",
    "audit_head_forward_only",
    "audit_head_no_delete",
)


@contextmanager
def guard_lifted(connection: Connection) -> Iterator[None]:
    """Within ``connection``'s transaction, let audit rows be changed and deleted.

    PostgreSQL: ``session_replication_role = replica`` for the transaction (superuser only),
    which skips ordinary triggers. SQLite: the triggers are dropped and created again.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield
        connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
        return
    for name in SQLITE_TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    yield
    for statement in SQLITE_GUARDS:
        connection.exec_driver_sql(statement)
