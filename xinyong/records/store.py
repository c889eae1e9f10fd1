"""Writing records as versions (in bulk or one at a time) and reading what a record said.

Re-sending a record with the same content is a no-op; a changed record becomes version n+1 and
version n is closed with ``superseded_at``, so the platform can answer "what did it say on D".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import polars as pl
from sqlalchemy import Integer, column, select, table, text, update
from sqlalchemy.orm import Session

from xinyong.catalog.schema import CatalogItem
from xinyong.clock import utcnow
from xinyong.db.bulk import among, insert_frame
from xinyong.evaluation.service import regrade
from xinyong.privacy.ids import IdProtector, get_protector
from xinyong.records.derive import (
    derive_frame,
    encode_fields,
    record_key,
    sha256_of,
    values_frame,
)
from xinyong.records.layouts import ensure_layouts, layout_for
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

Outcome = Literal["new", "updated", "unchanged"]
_KEYS = "xinyong_batch_keys"
_KEY_TABLE = table(_KEYS, column("k"))
LOOKUP_CHUNK = 5000
_JOIN_SETTINGS = ("enable_hashjoin", "enable_mergejoin", "jit")
SUBJECT_ID, IDENTITY = "_subject_id", "_identity"
OUTCOME = "_outcome"


class ForeignRecordError(ValueError):
    """A department tried to change a record another department is the source of."""


# A re-sent record another department is the source of: neither stored nor a new version.
FOREIGN = "foreign"
FOREIGN_REASON = "该记录由其他部门报送，本部门不能修改或覆盖（如需更正，请联系来源部门或信用办）"
WORKFLOW_STATUSES = (
    "repaired",
    "withdrawn",
    "removed",
)  # set by workflows, kept across corrections


def subject_key(subject: Subject) -> str:
    return subject_key_of(subject.uscc, subject.person_hash)


def subject_key_of(uscc: str | None, person_hash: str | None) -> str:
    return uscc or f"person:{person_hash}"


def encrypt_column(values: pl.Series, protector: IdProtector) -> dict[str, str]:
    """Ciphertext for each distinct plain value of a column."""
    return {v: protector.encrypt(v) for v in values.drop_nulls().unique().to_list()}


def protected_frame(item: CatalogItem, frame: pl.DataFrame, protector: IdProtector) -> pl.DataFrame:
    """The frame with personal ID numbers replaced by ciphertext."""
    exprs = []
    for code in item.protected_fields:
        mapping = encrypt_column(frame[code], protector)
        exprs.append(
            pl.col(code).replace_strict(mapping, default=None, return_dtype=pl.String).alias(code)
        )
    return frame.with_columns(exprs) if exprs else frame


def prepare_records(
    item: CatalogItem,
    frame: pl.DataFrame,
    *,
    department_id: int | None,
    batch_id: int | None = None,
    published_at: datetime | None = None,
    original_rows: pl.Series | None = None,
    now: datetime | None = None,
    protector: IdProtector | None = None,
) -> pl.DataFrame:
    """Columns of new record versions for a frame of cleaned values.

    The frame holds one column per field plus ``_subject_id`` and ``_identity`` (the subject's
    key: USCC or ``person:<hash>``); columns ``_published_at`` and ``_department_id`` may give
    those values row by row.
    """
    protector = protector or get_protector()
    now = now or utcnow()
    derived = derive_frame(item, frame)
    encoded = encode_fields(item, frame, protected_frame(item, frame, protector))
    published = (
        derived["_published_at"]
        if "_published_at" in derived.columns
        else pl.Series([published_at] * frame.height, dtype=pl.Datetime("us"))
    )
    originals = (
        original_rows
        if original_rows is not None
        else pl.Series([None] * frame.height, dtype=pl.String)
    )
    # Both digests in one select: Polars computes them side by side.
    digests = frame.select(
        record_key(item, IDENTITY).alias("record_key"),
        sha256_of(pl.lit(encoded.canonical)).alias("content_hash"),
    )
    return derived.select(
        digests["record_key"],
        pl.lit(1).alias("version"),
        pl.lit(True).alias("is_current"),
        pl.lit(item.code).alias("item"),
        pl.col(SUBJECT_ID).cast(pl.Int64).alias("subject_id"),
        (
            pl.col("_department_id")
            if "_department_id" in frame.columns
            else pl.lit(department_id, dtype=pl.Int64)
        )
        .cast(pl.Int64)
        .alias("department_id"),
        "decision_date",
        "valid_from",
        "valid_to",
        "publicity_end",
        "status",
        "severity",
        "amount_yuan",
        encoded.stored.alias("fields"),
        pl.lit(layout_for(item.code, encoded.codes), dtype=pl.Int64).alias("layout_id"),
        digests["content_hash"],
        published.cast(pl.Datetime("us")).alias("published_at"),
        _publication_state(item, published).alias("publication_state"),
        pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
        pl.lit(now, dtype=pl.Datetime("us")).alias("received_at"),
        originals.alias("original_row"),
        pl.lit(now, dtype=pl.Datetime("us")).alias("recorded_at"),
    )


def _publication_state(item: CatalogItem, published: pl.Series) -> pl.Expr:
    """New dual publicity records start uploaded, or published when published on arrival."""
    if not item.publicity.requires_publication:
        return pl.lit(None, dtype=pl.String)
    return (
        pl.when(pl.lit(published).is_not_null())
        .then(pl.lit("published"))
        .otherwise(pl.lit("uploaded"))
    )


@dataclass(frozen=True)
class Current:
    id: int
    version: int
    content_hash: str
    published_at: datetime | None
    publication_state: str | None
    status: str


_CURRENT_SCHEMA: dict[str, Any] = {
    "record_key": pl.String,
    "_old_id": pl.Int64,
    "_old_version": pl.Int64,
    "_old_hash": pl.String,
    "_old_published_at": pl.Datetime("us"),
    "_old_state": pl.String,
    "_old_status": pl.String,
    "_old_department_id": pl.Int64,
}


def _current_rows(session: Session, keys: list[str]) -> list[Any]:
    """Current versions of the given record keys, found by a join on a temporary key table."""
    if not keys:
        return []
    session.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_KEYS} (k VARCHAR(64))"))
    session.execute(text(f"DELETE FROM {_KEYS}"))
    insert_frame(session, _KEYS, pl.DataFrame({"k": keys}))
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Probe the record_key index once per key. Left to itself the planner sorts or hashes
        # the whole records table for every chunk, which grows with the table (and no JIT).
        for setting in _JOIN_SETTINGS:
            session.execute(text(f"SET LOCAL {setting} = off"))
    rows = session.execute(
        select(
            Record.record_key,
            Record.id,
            Record.version,
            Record.content_hash,
            Record.published_at,
            Record.publication_state,
            Record.status,
            Record.department_id,
        )
        .join(_KEY_TABLE, _KEY_TABLE.c.k == Record.record_key)
        .where(Record.is_current.is_(True))
    ).all()
    if postgres:
        for setting in _JOIN_SETTINGS:
            session.execute(text(f"RESET {setting}"))
    session.execute(text(f"DELETE FROM {_KEYS}"))
    return list(rows)


def current_versions(session: Session, keys: list[str]) -> dict[str, Current]:
    """Current versions of the given record keys."""
    return {row[0]: Current(*row[1:]) for row in _current_rows(session, keys)}


def item_has_records(session: Session, item_code: str) -> bool:
    """Whether any record (any version) of the catalog item exists."""
    found = session.execute(select(Record.id).where(Record.item == item_code).limit(1)).first()
    return found is not None


def write_versions(
    session: Session,
    prepared: pl.DataFrame,
    *,
    all_new: bool = False,
    subjects_known: bool = False,
) -> pl.DataFrame:
    """Insert new records and new versions; returns the frame with an ``_outcome`` column.

    A superseded version is closed at the moment its successor was recorded. ``all_new``:
    the caller knows that none of the frame's record keys exists yet (the first load of an
    item), so current versions are not looked up. ``subjects_known``: the subjects were
    found or created in this transaction after its first write (``insert_frame``'s
    ``known``).
    """
    now = prepared["recorded_at"][0] if prepared.height else utcnow()
    rows = [] if all_new else _current_rows(session, prepared["record_key"].to_list())
    current = pl.DataFrame(rows, schema=_CURRENT_SCHEMA, orient="row")
    joined = prepared.join(current, on="record_key", how="left", maintain_order="left")
    # Another department's record: the stored source department differs from the row's.
    foreign = (
        pl.col("_old_department_id").is_not_null()
        & pl.col("_old_department_id").ne_missing(pl.col("department_id"))
    ).fill_null(False)
    old = pl.col("_old_id").is_not_null()
    changed = old & (pl.col("_old_hash") != pl.col("content_hash")) & ~foreign
    workflow = pl.col("_old_status").is_in(list(WORKFLOW_STATUSES)).fill_null(False)
    result = joined.with_columns(
        pl.when(~old)
        .then(pl.lit("new"))
        .when(foreign)
        .then(pl.lit(FOREIGN))
        .when(changed)
        .then(pl.lit("updated"))
        .otherwise(pl.lit("unchanged"))
        .alias(OUTCOME),
        pl.when(~old)
        .then(pl.lit(1, dtype=pl.Int64))
        .otherwise(pl.col("_old_version") + changed.cast(pl.Int64))
        .alias("version"),
        # A correction keeps the record's workflow position (published, repaired ...).
        pl.when(changed)
        .then(pl.coalesce("published_at", "_old_published_at"))
        .otherwise(pl.col("published_at"))
        .alias("published_at"),
        pl.when(changed)
        .then(pl.coalesce("_old_state", "publication_state"))
        .otherwise(pl.col("publication_state"))
        .alias("publication_state"),
        pl.when(changed & workflow)
        .then(pl.col("_old_status"))
        .otherwise(pl.col("status"))
        .alias("status"),
    )
    superseded = result.filter(changed)["_old_id"].to_list()
    result = result.drop(_CURRENT_SCHEMA.keys() - {"record_key"})
    for start in range(0, len(superseded), LOOKUP_CHUNK):
        session.execute(
            update(Record)
            .where(among(session, Record.id, superseded[start : start + LOOKUP_CHUNK], Integer()))
            .values(is_current=False, superseded_at=now)
        )
    session.flush()
    to_insert = result.filter(pl.col(OUTCOME).is_in(["new", "updated"])).drop(OUTCOME)
    ensure_layouts(session, to_insert["layout_id"].unique().to_list())
    known = ("subject_id",) if subjects_known else ()
    insert_frame(session, Record.__tablename__, to_insert, known=known)
    return result


_CHANGE = {"new": "新增", "updated": "更正"}


@dataclass(frozen=True)
class SaveResult:
    outcome: Outcome
    record: Record


def save_record(
    session: Session,
    item: CatalogItem,
    subject: Subject,
    values: dict[str, Any],
    *,
    department_id: int | None,
    batch_id: int | None = None,
    original_row: dict[str, Any] | None = None,
    published_at: datetime | None = None,
) -> SaveResult:
    """Save one record through the same path as bulk loads."""
    import json

    frame = values_frame(item, [values]).with_columns(
        pl.lit(subject.id).alias(SUBJECT_ID), pl.lit(subject_key(subject)).alias(IDENTITY)
    )
    original = None
    if original_row is not None:
        text = json.dumps(original_row, ensure_ascii=False, sort_keys=True)
        if item.protected_fields:
            text = json.dumps({"encrypted": get_protector().encrypt(text)})
        original = pl.Series([text], dtype=pl.String)
    session.flush()
    prepared = prepare_records(
        item,
        frame,
        department_id=department_id,
        batch_id=batch_id,
        published_at=published_at,
        original_rows=original,
    )
    written = write_versions(session, prepared)
    key = written["record_key"][0]
    if written[OUTCOME][0] == FOREIGN:
        raise ForeignRecordError(FOREIGN_REASON)
    outcome: Outcome = written[OUTCOME][0]
    session.expire_all()
    record = current_version(session, key)
    assert record is not None
    if outcome != "unchanged":  # a new or corrected record can move the subject's grade
        cause = f"信用记录{_CHANGE[outcome]}（{item.name}，记录 {record.id}）"
        regrade(session, subject.id, cause, item=item.code)
    return SaveResult(outcome, record)


def current_version(session: Session, key: str) -> Record | None:
    return session.execute(
        select(Record).where(Record.record_key == key, Record.is_current.is_(True))
    ).scalar_one_or_none()


def versions(session: Session, key: str) -> list[Record]:
    return list(
        session.execute(
            select(Record).where(Record.record_key == key).order_by(Record.version)
        ).scalars()
    )


def record_as_of(session: Session, key: str, moment: datetime) -> Record | None:
    """The version of a record the platform held at ``moment`` (None if it did not yet exist)."""
    return session.execute(
        select(Record).where(
            Record.record_key == key,
            Record.recorded_at <= moment,
            (Record.superseded_at.is_(None)) | (Record.superseded_at > moment),
        )
    ).scalar_one_or_none()
