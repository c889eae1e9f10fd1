"""One batch: read, clean, link and load a department's file or push, atomically.

Every input row ends in exactly one state: accepted, accepted with fixes, or rejected; the
counts add up. The whole batch is one transaction: if the process dies midway nothing of it is
visible, and running it again completes it.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import Catalog, get_catalog
from xinyong.catalog.schema import CatalogItem
from xinyong.clock import today as current_day
from xinyong.clock import utcnow
from xinyong.db.bulk import DeferredIndexes, defer_reference_checks
from xinyong.db.wal import bulk_load_wal
from xinyong.evaluation.service import regrade_subjects
from xinyong.graph.build import refresh_batch as refresh_graph
from xinyong.ingest.amounts import AmountReader, currency_names
from xinyong.ingest.clean import ERRORS, FIXES, FLAGS, CodeChecker, clean_chunk
from xinyong.ingest.headers import HeaderMap, map_headers
from xinyong.ingest.link import LINK_ERROR, Linker
from xinyong.ingest.locks import lock_item, lock_subjects
from xinyong.ingest.mainthread import MainThread, Request
from xinyong.ingest.models import Batch
from xinyong.ingest.oldcodes import resolve_old_codes
from xinyong.ingest.raw import source_constants
from xinyong.ingest.readers import (
    READ_ERROR,
    ROW_NUMBER,
    OpenedFile,
    SourceFile,
    open_file,
    rows_frame,
)
from xinyong.ingest.rejects import ERROR_COLUMN, rejected_path, write_rejected
from xinyong.permissions import PermissionDenied, authorize, may
from xinyong.privacy.ids import get_protector
from xinyong.records.models import Record
from xinyong.records.store import (
    FOREIGN,
    FOREIGN_REASON,
    OUTCOME,
    SUBJECT_ID,
    encrypt_column,
    item_has_records,
    prepare_records,
    write_versions,
)
from xinyong.warning.detect import last_record_id, warn_batch
from xinyong.workdays import CalendarGapError, working_days_between

Progress = Callable[[int], None]
TIMELY_WORKING_DAYS = 7
DUPLICATE_MARK = "是同一条记录"
FLAGS_LISTED = 1000  # flagged rows listed by number in a batch's result (all are counted)


class IngestError(ValueError):
    """The batch as a whole cannot be taken (unknown item, unreadable file ...)."""


@dataclass
class IngestResult:
    batch_id: int
    item: str
    total: int = 0
    accepted: int = 0
    fixed: int = 0
    rejected: int = 0
    flagged: int = 0
    # accepted rows worth a look, by row number with the reason (the first FLAGS_LISTED)
    flags: list[dict[str, Any]] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_subjects: int = 0
    code_conflicts: int = 0
    rejected_file: str | None = None
    duration_s: float = 0.0
    unknown_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=dict)
    timeliness: dict[str, Any] = field(default_factory=dict)
    warnings: int = 0  # warnings the batch's records raised (xinyong.warning)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Accumulator:
    rejected: list[pl.DataFrame] = field(default_factory=list)
    error_kinds: Counter[str] = field(default_factory=Counter)
    decided: Counter[str] = field(default_factory=Counter)  # loaded rows by decision date
    # record_key -> row number of its first row in this batch, with a 64-bit hash of the key
    # (earlier chunks are searched by hash, then the few candidates compared in full)
    seen_keys: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"record_key": pl.String, "_first": pl.Int64, "_hash": pl.UInt64}
        )
    )


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _error_kinds(errors: pl.Series) -> Counter[str]:
    """Rejections by field code; ``duplicate`` and ``subject`` for the row-level reasons."""
    messages = errors.explode().drop_nulls()
    kinds = pl.select(
        pl.when(messages.str.contains(DUPLICATE_MARK, literal=True))
        .then(pl.lit("duplicate"))
        .otherwise(messages.str.extract(r"（([A-Z][A-Z0-9_]*)）", 1).fill_null("subject"))
        .alias("k")
    )["k"]
    return Counter(kinds.to_list())


@dataclass
class _Staged:
    """A chunk cleaned and prepared, waiting for its subjects and its write."""

    rows: int
    subjects: pl.DataFrame  # what resolving subjects needs, one row per record (file order)
    prepared: pl.DataFrame  # in record-key order
    order: pl.Series  # for each prepared row, its row in ``subjects``
    sent: pl.DataFrame  # the rows as sent (for rejecting at load), in ``subjects``' order


class BatchRun:
    """State of one batch while its chunks pass through clean, link and load."""

    def __init__(
        self,
        session: Session,
        item: CatalogItem,
        catalog: Catalog,
        source: SourceFile,
        batch: Batch,
        department: Department | None,
        publish: bool,
        today: date,
    ):
        self.session = session
        self.item = item
        self.catalog = catalog
        self.source = source
        self.batch = batch
        self.department = department
        self.publish = publish and item.publicity.requires_publication
        self.today = today
        self.headers: HeaderMap = map_headers(item, source.headers)
        self.linker = Linker(session, item, batch.id, department.id if department else None)
        self.result = IngestResult(batch_id=batch.id, item=item.code)
        self.acc = _Accumulator()
        self._departments = self._department_ids()
        self._now = utcnow()
        self.main = MainThread()
        self.checker = CodeChecker(self.today, resolver=self._resolve_old_codes)
        self.amounts = AmountReader(currency_names(catalog.code_lists["currency"]))
        self.constants = (
            source_constants(item, self.headers, department.name, department.uscc)
            if department is not None
            else {}
        )
        # No record of the item yet: every key is new (keys repeated within the batch are
        # rejected as duplicates), so current versions need not be looked up.
        self.first_load = not item_has_records(session, item.code)
        self.loaded_rows = 0
        self._holds_subjects = False
        self.changed: set[int] = set()  # subjects of new and changed records: re-graded
        self.indexes = (
            DeferredIndexes(session, Record.__tablename__)
            if DeferredIndexes.available(session)
            else None
        )
        self._table_rows = self._records_estimate() if self.indexes is not None else 0

    def _resolve_old_codes(self, pairs: list[tuple[str, str | None]]) -> dict[Any, str]:
        """Old organisation codes of a chunk, resolved against known subjects by the loading
        thread (the only one that uses the session)."""
        return self.main.ask(lambda: resolve_old_codes(self.session, pairs))

    def _records_estimate(self) -> int:
        """About how many records exist (the highest id: one index probe, not a count)."""
        return int(self.session.execute(select(func.max(Record.id))).scalar_one() or 0)

    def _defer_indexes_when_large(self) -> None:
        """From the second chunk on, once the batch has inserted as many rows as the table held
        before it, rebuilding the secondary indexes at the end costs less than keeping them."""
        if self.indexes is None or self.loaded_rows == 0:
            return
        if self.loaded_rows >= self._table_rows:
            self.indexes.drop()

    def _department_ids(self) -> dict[str, int]:
        rows = self.session.execute(select(Department.uscc, Department.id)).all()
        return {uscc: did for uscc, did in rows}

    def _needs_original(self, present: list[str]) -> pl.Expr:
        """Rows whose stored fields do not give back the row as sent: cleaning changed or
        dropped a value, or the file has columns outside the catalog (or joined into one
        field). Only these keep their original row; for all others the fields are the row."""
        joined = [c for cs in self.headers.columns.values() if len(cs) > 1 for c in cs]
        mapped = {c for cs in self.headers.columns.values() for c in cs}
        extra = [c for c in self.source.headers if c not in mapped and c in present]
        conditions = [pl.col(FIXES).list.len() > 0]
        conditions += [pl.col(c).is_not_null() for c in (*joined, *extra)]
        for code, columns in self.headers.columns.items():
            if len(columns) == 1:
                conditions.append(pl.col(columns[0]).is_not_null() & pl.col(code).is_null())
        return pl.any_horizontal(conditions)

    def _originals(self, frame: pl.DataFrame) -> pl.Series:
        """Original values as a JSON array in the order of the batch's headers (ID numbers
        encrypted), for the rows that need one (see _needs_original); null for the others."""
        index = "_original_index"
        indexed = frame.with_row_index(index)
        kept = indexed.filter(self._needs_original(frame.columns))
        protected = {
            c for code in self.item.protected_fields for c in self.headers.columns.get(code, [])
        }
        exprs = []
        for column in self.source.headers:
            if column not in kept.columns:
                exprs.append(pl.lit(None, dtype=pl.String))
                continue
            expr = pl.col(column)
            if column in protected:
                mapping = encrypt_column(kept[column], get_protector())
                expr = expr.replace_strict(mapping, default=None, return_dtype=pl.String)
            exprs.append(expr)
        wrapped = pl.struct(pl.concat_list(exprs).alias("v")).struct.json_encode()
        texts = kept.select(index, wrapped.str.slice(5).str.strip_suffix("}").alias("o"))
        return indexed.select(index).join(texts, on=index, how="left", maintain_order="left")["o"]

    def _department_column(self, frame: pl.DataFrame) -> pl.Expr:
        if self.department is not None:
            return pl.lit(self.department.id, dtype=pl.Int64)
        source = self.item.columns.source_department
        if source is None:
            return pl.lit(None, dtype=pl.Int64)
        return pl.col(source).replace_strict(self._departments, default=None, return_dtype=pl.Int64)

    def _duplicates(self, prepared: pl.DataFrame, rows: pl.Series) -> pl.Series:
        """A row whose record key already appeared earlier in this batch is rejected."""
        frame = pl.DataFrame({"record_key": prepared["record_key"], "_row": rows.cast(pl.Int64)})
        firsts = (
            frame.unique("record_key", keep="first", maintain_order=True)
            .rename({"_row": "_chunk_first"})
            .with_columns(pl.col("record_key").hash().alias("_hash"))
        )
        seen = self.acc.seen_keys
        candidates = seen.filter(pl.col("_hash").is_in(firsts["_hash"].implode()))
        firsts = firsts.join(candidates.drop("_hash"), on="record_key", how="left")
        new = firsts.filter(pl.col("_first").is_null())
        self.acc.seen_keys = pl.concat(
            [seen, new.select("record_key", pl.col("_chunk_first").alias("_first"), "_hash")]
        )
        natural = "、".join(self.item.natural_key)
        first = pl.coalesce("_first", "_chunk_first")
        return (
            frame.join(firsts, on="record_key", how="left", maintain_order="left")
            .select(
                pl.when(first != pl.col("_row"))
                .then(
                    pl.format(
                        f"与第{{}}行{DUPLICATE_MARK}（业务主键 {natural} 相同），本行未载入",
                        first,
                    )
                )
                .otherwise(pl.lit(None, dtype=pl.String))
                .alias("_dup")
            )
            .to_series()
        )

    def _timeliness(self, frame: pl.DataFrame) -> None:
        column = self.item.columns.decision_date
        if not column:
            return
        for value, count in frame[column].drop_nulls().value_counts().iter_rows():
            self.acc.decided[value] += count

    def _delays(self) -> Counter[int]:
        """Records by working days from decision to receipt (once per distinct date)."""
        delays: Counter[int] = Counter()
        for value, count in self.acc.decided.items():
            try:
                delays[working_days_between(date.fromisoformat(value), self.today)] += count
            except CalendarGapError:
                continue
        return delays

    def stage(self, chunk: pl.DataFrame) -> _Staged:
        """Everything about a chunk that needs no database: clean, identify subjects, build the
        record versions (all but their subject ids) and reject duplicates. Runs ahead of
        ``load`` in a helper thread."""
        if READ_ERROR in chunk.columns:  # rows the reader could not read whole
            self._reject_unread(chunk.filter(pl.col(READ_ERROR).is_not_null()))
            chunk = chunk.filter(pl.col(READ_ERROR).is_null()).drop(READ_ERROR)
        cleaned = self._own_source(
            clean_chunk(
                chunk,
                self.item,
                self.headers,
                self.catalog,
                self.today,
                self.checker,
                constants=self.constants,
                amounts=self.amounts,
            )
        )
        clean_rows = cleaned.filter(pl.col(ERRORS).list.len() == 0)
        identified = self.linker.identify(clean_rows)
        link_failed = identified.filter(pl.col(LINK_ERROR).is_not_null())
        good = identified.filter(pl.col(LINK_ERROR).is_null()).with_columns(
            self._department_column(identified).alias("_department_id"),
            pl.lit(self._now if self.publish else None, dtype=pl.Datetime("us")).alias(
                "_published_at"
            ),
            pl.lit(None, dtype=pl.Int64).alias(SUBJECT_ID),
        )
        prepared = prepare_records(
            self.item,
            good,
            department_id=None,
            batch_id=self.batch.id,
            original_rows=self._originals(good),
            now=self._now,
        )
        duplicate = self._duplicates(prepared, good[ROW_NUMBER])
        keep = duplicate.is_null()
        loaded = good.filter(keep)
        self._count(cleaned, link_failed, good.filter(~keep), duplicate.filter(~keep), loaded)
        # In record-key order: the key's unique index then takes the chunk's keys in one
        # forward pass instead of at random places (the records' ids follow that order).
        # Subjects are resolved in file order (the first spelling of a name is the one kept).
        kept = prepared.filter(keep)
        order = kept["record_key"].arg_sort()
        return _Staged(
            rows=cleaned.height,
            subjects=loaded.select(self.linker.subject_columns(loaded)),
            prepared=kept[order],
            order=order,
            sent=loaded.select(
                ROW_NUMBER, *[c for c in self.source.headers if c in loaded.columns]
            ),
        )

    def _reject_unread(self, rows: pl.DataFrame) -> None:
        """Rows with a fault of their own (a wrong number of fields, a NUL byte, bytes that are
        not text, a cell over the length limit): rejected with the reader's reason."""
        self.result.total += rows.height
        self.result.rejected += rows.height
        self.acc.error_kinds["unreadable"] += rows.height
        columns = [c for c in self.source.headers if c in rows.columns]
        self.acc.rejected.append(
            rows.select(ROW_NUMBER, *columns, pl.col(READ_ERROR).alias(ERROR_COLUMN))
        )

    def _own_source(self, cleaned: pl.DataFrame) -> pl.DataFrame:
        """A department reports only what it decided: a row naming another department as its
        source is rejected with the reason."""
        column = self.item.columns.source_department
        if self.department is None or column is None or column not in cleaned.columns:
            return cleaned
        own = self.department
        header = self.item.field(column).header
        foreign = pl.col(column).is_not_null() & (pl.col(column) != own.uscc)
        reason = pl.format(
            f"{header}（{column}）“{{}}”不是报送部门（{own.name}，{own.uscc}）：部门只能报送本部门的信用记录",
            pl.col(column),
        )
        return cleaned.with_columns(
            pl.when(foreign)
            .then(pl.concat_list(pl.col(ERRORS), reason))
            .otherwise(pl.col(ERRORS))
            .alias(ERRORS)
        )

    def load(self, staged: _Staged) -> None:
        """Resolve the staged rows' subjects and write their versions (the database part)."""
        self._defer_indexes_when_large()
        if not self._holds_subjects:
            lock_subjects(self.session)  # PostgreSQL: another batch may create the same ones
            self._holds_subjects = True
        subject_ids = self.linker.resolve(staged.subjects)[staged.order]
        prepared = staged.prepared.with_columns(subject_ids.alias("subject_id"))
        # The linker found or created every subject in this transaction, after the batch row
        # was written: not checked again on SQLite (see insert_frame).
        written = write_versions(
            self.session, prepared, all_new=self.first_load, subjects_known=True
        )
        outcomes = Counter(written[OUTCOME].to_list())
        self.changed.update(written.filter(pl.col(OUTCOME).is_in(("new", "updated")))["subject_id"])
        if outcomes[FOREIGN]:
            self._reject_foreign(staged, written[OUTCOME] == FOREIGN)
        self.loaded_rows += outcomes["new"] + outcomes["updated"]  # rows inserted
        self.result.new += outcomes["new"]
        self.result.updated += outcomes["updated"]
        self.result.unchanged += outcomes["unchanged"]

    def _reject_foreign(self, staged: _Staged, foreign: pl.Series) -> None:
        """Rows whose record another department is the source of: never a new version."""
        rows = staged.sent[staged.order.filter(foreign)]
        r = self.result
        r.accepted -= rows.height
        r.rejected += rows.height
        self.acc.error_kinds["foreign"] += rows.height
        self.acc.rejected.append(
            rows.with_columns(pl.lit(FOREIGN_REASON).alias(ERROR_COLUMN)).sort(ROW_NUMBER)
        )

    def _count(
        self,
        cleaned: pl.DataFrame,
        link_failed: pl.DataFrame,
        duplicates: pl.DataFrame,
        duplicate_messages: pl.Series,
        loaded: pl.DataFrame,
    ) -> None:
        """Counts and rejected rows of a staged chunk (outcomes are counted by ``load``)."""
        r = self.result
        rejected_clean = cleaned.filter(pl.col(ERRORS).list.len() > 0)
        link_rejects = link_failed.with_columns(pl.concat_list(pl.col(LINK_ERROR)).alias(ERRORS))
        dup_rejects = duplicates.with_columns(
            pl.Series(ERRORS, [[m] for m in duplicate_messages.to_list()], dtype=pl.List(pl.String))
        )
        columns = [ROW_NUMBER, *[c for c in self.source.headers if c in cleaned.columns], ERRORS]
        rejected = pl.concat(
            [f.select(columns) for f in (rejected_clean, link_rejects, dup_rejects)]
        )
        r.total += cleaned.height
        r.rejected += rejected.height
        r.accepted += loaded.height
        r.fixed += loaded.filter(pl.col(FIXES).list.len() > 0).height
        flagged = loaded.filter(pl.col(FLAGS).list.len() > 0)
        r.flagged += flagged.height
        room = FLAGS_LISTED - len(r.flags)
        if flagged.height and room > 0:
            listed = flagged.head(room).select(
                pl.col(ROW_NUMBER).alias("row"), pl.col(FLAGS).list.join("；").alias("reason")
            )
            r.flags += listed.to_dicts()
        self.acc.error_kinds.update(_error_kinds(rejected[ERRORS]))
        self._timeliness(loaded)
        if rejected.height:
            self.acc.rejected.append(
                rejected.with_columns(pl.col(ERRORS).list.join("；").alias(ERROR_COLUMN))
                .drop(ERRORS)
                .sort(ROW_NUMBER)
            )

    def finish(self, rejected_dir: Path | None, started: float) -> IngestResult:
        if self.indexes is not None:
            self.indexes.restore()
        r = self.result
        r.unknown_columns = self.headers.unknown
        r.ignored_columns = self.headers.ignored
        r.notes = self.headers.notes(self.item)
        r.new_subjects = self.linker.stats.new_subjects
        r.code_conflicts = self.linker.stats.conflicts
        r.error_kinds = dict(self.acc.error_kinds.most_common())
        r.timeliness = _timeliness_summary(self._delays())
        if self.acc.rejected:
            target = rejected_path(self.source, rejected_dir)
            frame = pl.concat(self.acc.rejected, how="diagonal").sort(ROW_NUMBER)
            write_rejected(
                frame, self.source.headers, self.source.kind, self.source.encoding, target
            )
            r.rejected_file = str(target)
        r.duration_s = round(time.perf_counter() - started, 3)
        assert r.accepted + r.rejected == r.total
        assert r.new + r.updated + r.unchanged == r.accepted
        r.flags.sort(key=lambda flag: int(flag["row"]))
        self.batch.counts = {k: v for k, v in r.as_dict().items() if k not in ("batch_id",)}
        self.batch.status = "done"
        self.batch.finished_at = utcnow()
        self.batch.duration_s = r.duration_s
        return r


_DONE = object()
FIRST_CHUNK_ROWS = 10_000


def _small_first(chunks: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """The first chunk cut to FIRST_CHUNK_ROWS rows (the rest of it follows as a chunk of its
    own): loading waits for the first staged chunk, so a small one starts it sooner."""
    first = next(chunks, None)
    if first is None:
        return
    if first.height > FIRST_CHUNK_ROWS:
        yield first.head(FIRST_CHUNK_ROWS)
        first = first.slice(FIRST_CHUNK_ROWS)
    yield first
    yield from chunks


def _ahead(
    stage: Callable[[pl.DataFrame], _Staged],
    chunks: Iterator[pl.DataFrame],
    main: MainThread | None = None,
) -> Generator[_Staged, None, None]:
    """Read and stage chunk n+1 in a helper thread while the caller loads chunk n.

    The two overlap: staging is mostly Polars work and loading mostly waits on the database,
    both without holding the GIL. At most two staged chunks exist at a time, so memory stays
    bounded. An error in the helper is raised here; stopping early stops the helper.
    """
    handoff: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(value: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for chunk in chunks:
                if not put(stage(chunk)):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the loading thread, which raises it
            put(exc)

    if main is not None:
        main.send, main.stopped = put, stop
    helper = threading.Thread(target=work, name="ingest-stage", daemon=True)
    helper.start()
    try:
        while True:
            value = handoff.get()
            if value is _DONE:
                return
            if isinstance(value, BaseException):
                raise value
            if isinstance(value, Request):
                value.run()
                continue
            yield value
    finally:
        stop.set()
        helper.join()
        if main is not None:
            main.send = None


def _timeliness_summary(delays: Counter[int]) -> dict[str, Any]:
    total = sum(delays.values())
    if not total:
        return {}
    timely = sum(n for d, n in delays.items() if d <= TIMELY_WORKING_DAYS)
    return {
        "records": total,
        "within_7_working_days": timely,
        "share_timely": round(timely / total, 4),
        "median_working_days": _median(delays),
    }


def _median(counts: Counter[int]) -> int:
    """The middle value (the upper one of an even count) of values given with their counts."""
    middle, passed = sum(counts.values()) // 2, 0
    for value in sorted(counts):
        passed += counts[value]
        if passed > middle:
            return value
    raise ValueError("no values")


def _may_publish(
    actor: Actor, department: Department | None, item: CatalogItem, asked: bool
) -> bool:
    """Whether the batch publishes on arrival, once ``actor`` may load it at all.

    A department publishes on arrival the items it has that right for (it reviews in its own
    system); anyone else asking to publish on arrival needs the right to publish."""
    authorize(actor, "records.ingest", department.id if department else None)
    granted = department is not None and item.code in (department.publish_items or [])
    if asked and not granted and not may(actor, "publication.publish"):
        raise PermissionDenied(
            f"本部门未获准对“{item.name}”报送即公示：请提交公示申请，由信用办审核后公示"
        )
    return (asked or granted) and item.publicity.requires_publication


def _start_batch(
    session: Session,
    item: CatalogItem,
    source_name: str,
    headers: list[str],
    department: Department | None,
    actor: Actor,
) -> Batch:
    batch = Batch(
        item=item.code,
        department_id=department.id if department else None,
        submitted_by=actor.name,
        source_name=source_name,
        headers=headers,
        status="loading",
        counts={},
    )
    session.add(batch)
    session.flush()
    return batch


def _queued_batch(session: Session, batch_id: int, headers: list[str]) -> Batch:
    """A batch queued for a worker (``xinyong.ingest.queue``), now loading."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise IngestError(f"批次{batch_id}不存在")
    batch.headers = headers
    batch.status = "loading"
    return batch


def _run(
    session: Session,
    item_code: str,
    source: SourceFile,
    chunks: Iterator[pl.DataFrame],
    digest: Callable[[], str],
    *,
    department: Department | None,
    actor: Actor,
    publish: bool,
    rejected_dir: Path | None,
    progress: Progress | None,
    today: date | None,
    batch_id: int | None = None,
) -> IngestResult:
    started = time.perf_counter()
    catalog = get_catalog()
    item = catalog.item(item_code)
    publish = _may_publish(actor, department, item, publish)
    lock_item(session, item.code)  # PostgreSQL: a batch of the same item runs after this one
    defer_reference_checks(session)
    batch = (
        _start_batch(session, item, source.path.name, source.headers, department, actor)
        if batch_id is None
        else _queued_batch(session, batch_id, source.headers)
    )
    run = BatchRun(
        session, item, catalog, source, batch, department, publish, today or current_day()
    )
    since_id = last_record_id(session)  # the batch's records are above it (warnings)
    # SQLite: the WAL is written out while the load runs, and checkpointed after the commit.
    bulk_load_wal(session)
    with closing(_ahead(run.stage, _small_first(chunks), run.main)) as staged_chunks:
        for staged in staged_chunks:
            run.load(staged)
            if progress:
                progress(staged.rows)
    batch.file_hash = digest()
    result = run.finish(rejected_dir, started)
    # Event and relation warnings of the batch's records, committed with them.
    result.warnings = warn_batch(session, item.code, batch.id, since_id, run.today)
    regrade_subjects(
        session, run.changed, f"数据报送批次 {batch.id}（{item.name}）", item=item.code
    )
    refresh_graph(session, item.code, batch.id)  # edges of shareholder/personnel records
    record_event(
        session,
        actor,
        "ingest.batch",
        "batch",
        batch.id,
        detail={
            "item": item.code,
            "source": source.path.name,
            "file_hash": batch.file_hash,
            **{
                k: getattr(result, k)
                for k in ("total", "accepted", "fixed", "rejected", "new", "updated", "unchanged")
            },
        },
    )
    return result


def ingest_file(
    session: Session,
    item_code: str,
    path: Path,
    *,
    actor: Actor,
    department: Department | None = None,
    publish: bool = False,
    rejected_dir: Path | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    chunk_rows: int | None = None,
    batch_id: int | None = None,
) -> IngestResult:
    """Load one file in the caller's transaction (commit to make it visible); ``batch_id``:
    the queued batch it is (otherwise a batch is started)."""
    get_catalog().item(item_code)  # unknown item: fail before reading
    opened: OpenedFile = open_file(path, chunk_rows) if chunk_rows else open_file(path)
    # The file's digest is read beside the batch (hashlib lets go of the GIL), not before it.
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-hash")
    digest = hashing.submit(file_hash, path)
    try:
        return _run(
            session,
            item_code,
            opened.source,
            opened.chunks,
            digest.result,
            department=department,
            actor=actor,
            publish=publish,
            rejected_dir=rejected_dir,
            progress=progress,
            today=today,
            batch_id=batch_id,
        )
    finally:
        hashing.shutdown(cancel_futures=True)
        opened.close()


def ingest_rows(
    session: Session,
    item_code: str,
    rows: list[dict[str, Any]],
    *,
    actor: Actor,
    department: Department | None = None,
    publish: bool = False,
    rejected_dir: Path | None = None,
    source_name: str = "push.jsonl",
    today: date | None = None,
) -> IngestResult:
    """Load rows pushed as JSON objects (the API); rejected rows come back as JSON Lines."""
    frame = rows_frame(rows)
    headers = [c for c in frame.columns if c not in (ROW_NUMBER, READ_ERROR)]
    source = SourceFile(Path(source_name), "jsonl", None, headers)
    digest = hashlib.sha256(frame.write_csv().encode("utf-8")).hexdigest()
    return _run(
        session,
        item_code,
        source,
        iter([frame]),
        lambda: digest,
        department=department,
        actor=actor,
        publish=publish,
        rejected_dir=rejected_dir,
        progress=None,
        today=today,
    )
