"""Bulk inserts of Polars frames: COPY on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

import io
import json
import weakref
from collections.abc import Collection, Iterable
from typing import Any

import polars as pl
from sqlalchemy import Connection, String, Table, any_, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from xinyong.db.base import Base
from xinyong.db.engine import PER_FRAME_CHECKS

_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S%.6f"


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            exprs.append(col.dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.strftime(_DATETIME_FORMAT))
        elif isinstance(dtype, pl.Decimal):
            exprs.append(col.cast(pl.String))
        elif dtype == pl.Boolean:
            exprs.append(col.cast(pl.Int8))
        else:
            exprs.append(col)
    return frame.select(exprs)


_TEXT_SPECIAL = ["\\", "\n", "\r", "\t"]
_TEXT_ESCAPED = ["\\\\", "\\n", "\\r", "\\t"]
_TEXT_PATTERN = r"[\\\n\r\t]"


def _needing_escapes(frame: pl.DataFrame) -> list[str]:
    """The text columns where some value holds a character COPY's text format escapes (a
    quick scan; the replacement then runs only on these)."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not texts:
        return []
    special = frame.select(pl.col(texts).str.contains(_TEXT_PATTERN).any())
    return [name for name in texts if special[name][0]]


def _copy(connection: Any, table: str, frame: pl.DataFrame) -> None:
    """COPY in PostgreSQL's text format: tab-separated, backslash escapes, no quoting (so the
    JSON columns' many quotes travel as they are, unlike CSV, which doubles them)."""
    escaped = frame.with_columns(
        pl.col(name).str.replace_many(_TEXT_SPECIAL, _TEXT_ESCAPED)
        for name in _needing_escapes(frame)
    )
    buffer = io.BytesIO()
    escaped.write_csv(
        buffer,
        include_header=False,
        separator="\t",
        quote_style="never",
        datetime_format=_DATETIME_FORMAT,
        date_format="%Y-%m-%d",
        null_value="\\N",
    )
    raw: Any = connection.connection.driver_connection
    columns = ", ".join(frame.columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getbuffer())


class MissingReference(ValueError):
    """Rows point at a row that does not exist (what a foreign key would refuse)."""


def _check_references(
    connection: Connection,
    table: Table,
    frame: pl.DataFrame,
    *,
    lock: bool,
    known: Collection[str] = (),
) -> None:
    """Check every foreign key of ``table`` for the frame's rows with one query per key.

    ``lock`` (PostgreSQL) also locks the rows they point at (FOR KEY SHARE) until commit, as
    PostgreSQL's per-row foreign-key triggers would: nobody can delete them before the new
    rows are visible. SQLite needs no lock: the loading transaction holds the write lock.
    Columns in ``known`` are left out (see ``insert_frame``), and so are the rows an earlier
    frame of the same transaction had checked and locked (``_locked_earlier``).
    """
    for fk in table.foreign_keys:
        column = fk.parent.name
        if column not in frame.columns or column in known:
            continue
        parent, key = fk.column.table.name, fk.column.name
        locked = _locked_earlier(connection, parent, key) if lock else set()
        wanted = [v for v in frame[column].drop_nulls().unique().to_list() if v not in locked]
        if not wanted:
            continue
        query = select(fk.column).where(
            _among(connection.dialect.name, fk.column, wanted, fk.column.type)
        )
        if lock:
            query = query.with_for_update(read=True, key_share=True)
        found = connection.execute(query).scalars()
        missing = sorted(set(wanted) - set(found))
        if missing:
            shown = "、".join(str(m) for m in missing[:5])
            raise MissingReference(
                f"{table.name}.{column} 引用了不存在的 {parent}.{key}：{shown}"
                f"（共 {len(missing)} 个），本批未载入"
            )
        locked.update(wanted)


# Connection.info key: the rows the connection's current transaction has locked FOR KEY SHARE
# in _check_references (the transaction, weakly, and the keys by referenced table and column).
_LOCKED = "xinyong_locked_references"


def _locked_earlier(connection: Connection, table: str, column: str) -> set[Any]:
    """The keys of ``table.column`` this transaction has already checked and locked: the locks
    hold until it ends, so they need no second query (a 1M-row ingest references its ~50,000
    subjects in every one of ~20 frames: ~650,000 row locks taken again, ~2 s of the server's
    time). Inside a savepoint nothing is remembered: rolling it back releases its locks."""
    if connection.in_nested_transaction():
        return set()
    transaction = connection.get_transaction()
    if transaction is None:
        return set()
    kept = connection.info.get(_LOCKED)
    if kept is None or kept[0]() is not transaction:
        by_column: dict[tuple[str, str], set[Any]] = {}
        kept = (weakref.ref(transaction), by_column)
        connection.info[_LOCKED] = kept
    locked: set[Any] = kept[1].setdefault((table, column), set())
    return locked


def _may_skip_triggers(connection: Connection) -> bool:
    """Whether this role may set session_replication_role (superuser, or granted SET on it
    from PostgreSQL 15 on)."""
    return bool(
        connection.exec_driver_sql(
            "SELECT CASE WHEN current_setting('server_version_num')::int >= 150000 "
            "THEN has_parameter_privilege('session_replication_role', 'SET') "
            "ELSE (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) END"
        ).scalar()
    )


def _copy_checked(connection: Connection, table: Table, frame: pl.DataFrame) -> None:
    """COPY with the foreign keys checked per frame instead of per row.

    PostgreSQL checks a foreign key by firing a trigger for every inserted row (about 3 µs
    each; records have three keys: 10 s per million rows). Here the keys are checked and
    locked set-based first (``_check_references``), then the rows are copied with triggers
    off for this one statement (``session_replication_role = replica``, transaction-local,
    set back right after). Roles that may not do that keep the per-row triggers.
    """
    if not _may_skip_triggers(connection):
        _copy(connection, table.name, frame)
        return
    _check_references(connection, table, frame, lock=True)
    connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    _copy(connection, table.name, frame)
    connection.exec_driver_sql("SET LOCAL session_replication_role = origin")


def insert_frame(
    session: Session, table: str, frame: pl.DataFrame, *, known: Collection[str] = ()
) -> None:
    """Append the frame's rows to ``table`` (column names = frame column names).

    On PostgreSQL the foreign keys of a model's table are checked once per frame rather than
    once per row (see ``_copy_checked``); on SQLite too when the transaction runs with
    ``defer_reference_checks``. ``known``: key columns whose rows this transaction has itself
    just read or written after its first write (the subjects an ingest resolved). SQLite
    lets one transaction write at a time, so nobody can delete those rows before the commit,
    and it does not check them again; PostgreSQL checks them all the same (once per
    transaction), because there the check also locks them against concurrent deletes.
    """
    if frame.height == 0:
        return
    connection = session.connection()
    model_table = Base.metadata.tables.get(table)
    keyed = model_table if model_table is not None and model_table.foreign_keys else None
    if connection.dialect.name == "postgresql":
        if keyed is not None:
            _copy_checked(connection, keyed, frame)
        else:
            _copy(connection, table, frame)
        return
    if keyed is not None and connection.info.get(PER_FRAME_CHECKS):
        _check_references(connection, keyed, frame, lock=False, known=known)
    _sqlite_insert(connection, table, frame)


def defer_reference_checks(session: Session) -> bool:
    """On SQLite, check foreign keys per frame in ``insert_frame`` instead of per row, for the
    transaction about to start (about 1 µs per row of records). Returns whether it did.

    SQLite can switch foreign keys only between transactions, so this must run before the
    transaction's first write; a session already writing keeps its per-row checks. The
    connection gets ``foreign_keys=ON`` back when it returns to the pool, after the commit or
    rollback (``xinyong.db.engine.restore_connection_settings``). Rows the ORM writes in such a
    transaction are not checked by SQLite: use it only around bulk loads.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    raw: Any = connection.connection.driver_connection
    if raw.in_transaction:
        return bool(connection.info.get(PER_FRAME_CHECKS))
    raw.execute("PRAGMA foreign_keys=OFF")
    connection.info[PER_FRAME_CHECKS] = True
    return True


def _sqlite_insert(connection: Connection, table: str, frame: pl.DataFrame) -> None:
    """executemany with one bound value per row only for the columns that vary: a value the
    same in every row is written into the statement once (and formatted once)."""
    constant = _constant_columns(frame)
    varying = [c for c in frame.columns if c not in constant]
    literals = _sqlite_ready(frame.head(1).select(constant)).row(0) if constant else ()
    ready = _sqlite_ready(frame.select(varying))
    as_bytes = {c for c in varying if ready.schema[c] == pl.String and not _all_ascii(ready[c])}
    names = ", ".join([*varying, *constant])
    values = ", ".join(
        [_TEXT_FROM_BYTES if c in as_bytes else "?" for c in varying]
        + [_sql_literal(v) for v in literals]
    )
    raw_sqlite: Any = connection.connection.driver_connection
    raw_sqlite.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({values})",
        zip(*(_bound_values(ready[c], c in as_bytes) for c in varying), strict=True),
    )


def _literal_type(dtype: pl.DataType) -> bool:
    """Types whose one value _sqlite_ready turns into text, an integer or NULL (_sql_literal)."""
    return dtype.is_integer() or isinstance(
        dtype, pl.String | pl.Null | pl.Date | pl.Datetime | pl.Decimal | pl.Boolean
    )


def _constant_columns(frame: pl.DataFrame) -> list[str]:
    """Columns with one value (or null) in every row, all but at least one column: executemany
    runs once per row of the parameters, so one column must stay bound."""
    found = [c for c, dtype in frame.schema.items() if _literal_type(dtype)]
    return [c for c in found if _is_constant(frame[c])][: len(frame.columns) - 1]


# How a text value is bound. sqlite3 hands str, int, float and bytearray straight to SQLite
# (ASCII text is copied out of Polars cheaply); any other object, bytes and None included,
# first goes through sqlite3's adapter lookup: ~3,300 instructions (0.4-0.6 µs), most of them
# an AttributeError raised and cleared on its protocol type. Text with other characters is
# bound as its UTF-8 bytes in a bytearray and cast back to TEXT by SQLite (the database
# encoding is UTF-8, so the cast only relabels the bytes): a str of Chinese text costs a
# decode here and an encode in sqlite3, and copying the bytes into a bytearray costs less
# than the lookup (a 49k-row records chunk: 2,200 fewer instructions per row under callgrind,
# inserting 7% faster).
_TEXT_FROM_BYTES = "CAST(? AS TEXT)"
_ASCII_PROBE_ROWS = 16


def _all_ascii(values: pl.Series) -> bool:
    """Whether every value is plain ASCII; a column of Chinese text usually shows it in its
    first rows, which spares measuring all of it."""
    for part in (values.head(_ASCII_PROBE_ROWS), values):
        if part.str.len_bytes().sum() != part.str.len_chars().sum():
            return False
    return True


def _bound_values(values: pl.Series, as_bytes: bool) -> Iterable[Any]:
    """A column's values as executemany binds them (the bytearrays made as it goes)."""
    if not as_bytes:
        return values.to_list()
    encoded = values.cast(pl.Binary).to_list()
    if values.null_count() == 0:
        return map(bytearray, encoded)
    return (None if v is None else bytearray(v) for v in encoded)


def _is_constant(values: pl.Series) -> bool:
    """The same value (or null) in every row of a series of at least two; most varying
    columns differ already in their first two rows, which spares hashing them whole."""
    if len(values) < 2 or values[0] != values[1]:
        return False
    return values.n_unique() == 1


def _sql_literal(value: Any) -> str:
    """A value the same for every row, written into the statement once instead of bound
    per row (executemany then binds only the columns that vary)."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def among(session: Session, column: Any, values: list[Any], item_type: Any = None) -> Any:
    """``column IN values`` with one parameter instead of one per value: an array on
    PostgreSQL, a JSON array read by ``json_each`` on SQLite (thousands of bound values cost
    more to compile than the query takes to run)."""
    return _among(session.get_bind().dialect.name, column, values, item_type)


def _among(dialect: str, column: Any, values: list[Any], item_type: Any = None) -> Any:
    if dialect == "postgresql":
        array = postgresql.ARRAY(item_type if item_type is not None else String())
        return column == any_(literal(values, type_=array))
    listed = func.json_each(literal(json.dumps(values, ensure_ascii=False), String()))
    return column.in_(select(listed.table_valued("value").c.value))


# Page cache (KiB) while dropped indexes are built again: the size of the sorter's runs.
# 1M records, two indexes: 2.9-3.0 s with the whole 256 MB cache (one run, one thread);
# 2.1-2.2 s with 8 MB runs.
INDEX_SORT_RUN_KIB = 8192


class DeferredIndexes:
    """A table's secondary indexes, dropped for a large load and built again before commit.

    SQLite only: building an index once from sorted rows costs far less than keeping it up to
    date row by row. DDL is transactional in SQLite, so the drop and the rebuild belong to the
    load's transaction: killed midway, the indexes are still there; other connections keep
    reading their snapshot (WAL), and writers wait for the load's lock as they do anyway.
    Indexes behind constraints (UNIQUE) are kept, and so are partial indexes: they hold a
    few rows, and rebuilding one would still read the whole table. Not on PostgreSQL, where
    DROP INDEX would lock readers out of the table until commit.
    """

    def __init__(self, session: Session, table: str) -> None:
        self.session = session
        self.table = table
        self.dropped: list[str] = []

    @staticmethod
    def available(session: Session) -> bool:
        return session.get_bind().dialect.name == "sqlite"

    def drop(self) -> None:
        if self.dropped:
            return
        connection = self.session.connection()
        found = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_schema "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (self.table,),
        ).all()
        indexes = [(name, sql) for name, sql in found if " WHERE " not in sql.upper()]
        for name, _ in indexes:
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
        self.dropped = [sql for _, sql in indexes]

    def restore(self) -> None:
        if not self.dropped:  # a small batch: nothing to build, the page cache left alone
            return
        connection = self.session.connection()
        cache = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
        # SQLite sorts an index's entries in runs as large as the page cache: small runs fit
        # the CPU's caches and are sorted by the worker threads (engine's PRAGMA threads)
        # while the table is read, then merged. Dirty pages beyond the smaller cache are
        # written to the WAL meanwhile, as the commit would have done.
        connection.exec_driver_sql(f"PRAGMA cache_size=-{INDEX_SORT_RUN_KIB}")
        try:
            for sql in self.dropped:
                connection.exec_driver_sql(sql)
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size={cache}")
        self.dropped = []
