"""Bulk loads into records check foreign keys per frame, not per row (PostgreSQL always, SQLite
inside an ingest), and must still refuse what the foreign keys refuse and protect what they
protect."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date
from pathlib import Path

import polars as pl
import psycopg
import pytest
from helpers import org, penalty_values
from penalty_files import good_row, write_csv
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.db.bulk import MissingReference, _may_skip_triggers, defer_reference_checks
from xinyong.ingest.pipeline import ingest_file
from xinyong.records.derive import values_frame
from xinyong.records.models import Record
from xinyong.records.store import IDENTITY, SUBJECT_ID, prepare_records, write_versions
from xinyong.subjects.models import Subject


def _prepared(
    session: Session, subject: Subject, subject_id: int, numbers: int, first: int = 0
) -> pl.DataFrame:
    item = get_catalog().item("admin_penalty")
    rows = [
        penalty_values(subject, ["警告"], date(2026, 5, 1), number=f"示市监罚〔2026〕{n}号")
        for n in range(first, first + numbers)
    ]
    frame = values_frame(item, rows).with_columns(
        pl.lit(subject_id).alias(SUBJECT_ID), pl.lit(subject.uscc).alias(IDENTITY)
    )
    session.flush()
    return prepare_records(item, frame, department_id=None)


def _require_postgres(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("foreign keys checked per frame only on PostgreSQL")


def test_rows_pointing_at_a_missing_subject_are_refused_by_name(session: Session) -> None:
    subject = org(session)
    prepared = _prepared(session, subject, subject.id + 1000, numbers=3)
    expected: type[Exception] = Exception
    if session.get_bind().dialect.name == "postgresql":
        expected = MissingReference
    with pytest.raises(expected) as refused:
        write_versions(session, prepared)
    if expected is MissingReference:
        assert f"records.subject_id 引用了不存在的 subjects.id：{subject.id + 1000}" in str(
            refused.value
        )
    session.rollback()
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 0


def test_a_loaded_subject_cannot_be_deleted_before_the_load_commits(
    session: Session, db_url: str
) -> None:
    _require_postgres(session)
    subject = org(session)
    session.commit()
    write_versions(session, _prepared(session, subject, subject.id, numbers=2))
    conninfo = session.get_bind().url.set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo) as other:
        other.execute("SET lock_timeout = '300ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("DELETE FROM subject_names WHERE subject_id = %s", (subject.id,))
            other.execute("DELETE FROM subjects WHERE id = %s", (subject.id,))
    # Triggers are back on for whatever the transaction does next.
    assert session.execute(text("SHOW session_replication_role")).scalar_one() == "origin"
    session.commit()
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 2


def _cannot_delete(session: Session, subject: Subject) -> bool:
    """Whether another connection is kept from deleting the subject (a lock on it)."""
    conninfo = session.get_bind().url.set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo) as other:
        other.execute("SET lock_timeout = '300ms'")
        try:
            other.execute("DELETE FROM subject_names WHERE subject_id = %s", (subject.id,))
            other.execute("DELETE FROM subjects WHERE id = %s", (subject.id,))
        except psycopg.errors.LockNotAvailable:
            return True
        finally:
            other.rollback()
    return False


def _subject_locks(session: Session) -> list[str]:
    """Collects the statements that lock subjects for a foreign-key check, as they run."""
    seen: list[str] = []

    def look(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FOR KEY SHARE" in statement and "FROM subjects" in statement:
            seen.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", look)
    return seen


def test_a_transaction_locks_a_referenced_subject_once(session: Session) -> None:
    _require_postgres(session)
    subject = org(session)
    session.commit()
    locks = _subject_locks(session)
    write_versions(session, _prepared(session, subject, subject.id, numbers=2))
    assert len(locks) == 1
    # Locked until the commit: a later frame of the same transaction does not lock it again.
    write_versions(session, _prepared(session, subject, subject.id, numbers=2, first=2))
    assert len(locks) == 1
    assert _cannot_delete(session, subject)
    session.commit()
    # A new transaction holds no lock yet: it takes one.
    write_versions(session, _prepared(session, subject, subject.id, numbers=2, first=4))
    assert len(locks) == 2
    session.commit()
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 6


def test_a_lock_released_by_a_savepoint_rollback_is_taken_again(session: Session) -> None:
    _require_postgres(session)
    subject = org(session)
    session.commit()
    savepoint = session.begin_nested()
    write_versions(session, _prepared(session, subject, subject.id, numbers=2))
    savepoint.rollback()
    write_versions(session, _prepared(session, subject, subject.id, numbers=2, first=2))
    assert _cannot_delete(session, subject)
    session.commit()
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 2


def test_postgres_checks_subjects_the_caller_says_it_knows(session: Session) -> None:
    """``subjects_known`` spares the check only where nobody else can write meanwhile
    (SQLite); on PostgreSQL the check is also the lock, so a missing subject is refused."""
    _require_postgres(session)
    subject = org(session)
    prepared = _prepared(session, subject, subject.id + 1000, numbers=2)
    with pytest.raises(MissingReference, match=str(subject.id + 1000)):
        write_versions(session, prepared, subjects_known=True)
    session.rollback()


def test_a_role_that_may_not_skip_triggers_keeps_the_per_row_checks(session: Session) -> None:
    _require_postgres(session)
    role = f"xinyong_plain_{uuid.uuid4().hex[:8]}"
    connection = session.connection()
    connection.exec_driver_sql(f'CREATE ROLE "{role}" NOLOGIN')
    try:
        connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
        assert _may_skip_triggers(connection) is False
        connection.exec_driver_sql("RESET ROLE")
        assert _may_skip_triggers(connection) is True
    finally:
        session.rollback()


def _require_sqlite(session: Session) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite switches its foreign keys per transaction")


def _foreign_keys_on(session: Session) -> bool:
    return bool(session.execute(text("PRAGMA foreign_keys")).scalar_one())


def test_sqlite_with_deferred_checks_still_refuses_a_missing_subject(session: Session) -> None:
    _require_sqlite(session)
    subject = org(session)
    session.commit()
    assert defer_reference_checks(session) is True
    assert not _foreign_keys_on(session)
    with pytest.raises(MissingReference) as refused:
        write_versions(session, _prepared(session, subject, subject.id + 1000, numbers=2))
    assert f"records.subject_id 引用了不存在的 subjects.id：{subject.id + 1000}" in str(
        refused.value
    )
    session.rollback()
    # The connection went back to the pool with its per-row checks on again.
    assert _foreign_keys_on(session)
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 0


def test_sqlite_session_already_writing_keeps_per_row_checks(session: Session) -> None:
    _require_sqlite(session)
    subject = org(session)  # a write: the transaction has begun
    assert defer_reference_checks(session) is False
    assert _foreign_keys_on(session)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        write_versions(session, _prepared(session, subject, subject.id + 1000, numbers=1))
    session.rollback()


def test_sqlite_ingest_checks_per_frame_and_hands_back_checks_on(
    session: Session, tmp_path: Path
) -> None:
    _require_sqlite(session)
    path = write_csv(tmp_path / "penalties.csv", [good_row(n) for n in range(30)])
    result = ingest_file(
        session, "admin_penalty", path, actor=Actor("cli:测试"), today=date(2026, 11, 22)
    )
    assert result.new == 30
    assert not _foreign_keys_on(session)  # the batch's transaction
    session.commit()
    assert _foreign_keys_on(session)  # the next one
    assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 30
