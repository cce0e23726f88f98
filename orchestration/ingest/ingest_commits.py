"""How parsed files reach `raw.*`: a batch of whole files in one transaction with their ingest-log rows, or
a file cut in chunks in a transaction of its own. A crash before COMMIT leaves nothing of either, so a
rerun parses those files again (framework.ingest_source decides which path a file takes)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from orchestration.ingest import ingest_timeline
from orchestration.ingest.parse_groups import RowSpan
from orchestration.ingest.parse_pool import FileJob, ParsedTables
from orchestration.ingest.records import describe_line_errors

if TYPE_CHECKING:
    from orchestration.ingest.framework import Source

# Test hook for the crash-safety test: "<n>" kills this process with SIGKILL while the n-th file's
# transaction is open (rows inserted, not committed; a file cut in chunks: after its first chunk's rows).
CRASH_ENV = "PTLEADS_TEST_KILL_IN_FILE"

MAX_LISTED_BAD_LINES = 20

# A batch of good files is committed once it holds this many records or files, or this many seconds of
# parsing (so a crash or kill never costs more than a few seconds of work to redo). Parse time is the bound
# that acts on generator-like data; the record and file bounds only stop a batch of trivial files from
# growing without end. Each COMMIT costs DuckDB more than its rows (measured: 92k FHIR rows in 20 commits
# 0.91 CPU-s, in one 0.47): HL7 v2 at 100k leads in 7 batches of 1,000 files took 4.2-4.6 parent CPU-s,
# in 2 batches 2.9-3.0.
BATCH_MAX_RECORDS = 1_000_000
BATCH_MAX_FILES = 5_000
BATCH_MAX_S = 5.0
# The parse-time bound of a source parsed by the pool workers. Their parse seconds are wall time, which the
# machine's other load stretches: at load 16, HL7 v2 at 100k leads committed 16 batches and its COMMITs
# took 2.6 parent CPU-s; with this bound 3.1 parent CPU-s in all, against 4.1 at 5 s. A kill costs at most
# this much parsing to redo (seconds of the two workers together; fax OCR, pooled too: ~16 pages).
BATCH_MAX_S_POOLED = 20.0
BATCH_MAX_BYTES = 256_000_000  # Arrow bytes held for the open batch: memory stays flat at any file count
# Rows held before they are inserted into the batch's open transaction (still committed with the batch):
# the parent inserts while the workers parse the next groups, instead of inserting the whole batch after
# the last parse (at 20k leads most sources are one batch: the insert was a serial tail on one core). An
# INSERT costs ~1 ms however small (0.1 us a record at 10k); the tail left is the last 10k records' insert.
FLUSH_RECORDS = int(os.environ.get("PTLEADS_INGEST_FLUSH_RECORDS", "10000"))
# Rows an idle parent inserts early (see Batch.flush_if_large): fewer would pay an INSERT's fixed ~1 ms for
# little overlap (a group of 20k leads' web forms or 271 files holds 1,000-2,000 records).
IDLE_FLUSH_RECORDS = 1_000
_MIN_CHUNK_ROWS = 4_096  # rows per chunk (on average) below which a table is combined before its insert


def maybe_crash(file_indexes: Iterable[int]) -> None:
    if (wanted := os.environ.get(CRASH_ENV)) and wanted in {str(i) for i in file_indexes}:
        os.kill(os.getpid(), signal.SIGKILL)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class ReadyFile:
    """A parsed file waiting for its batch's transaction: its rows per table and its log row."""

    index: int
    name: str
    sha: str
    size: int
    records: int
    status: str
    reason: str | None
    parse_s: float
    tables: dict[str, RowSpan]  # by raw table name, with the source_file column
    nbytes: int = 0


def ready_file(index: int, path: Path, sha: str, size: int, parsed: ParsedTables) -> ReadyFile:
    tables: dict[str, RowSpan] = {}
    for name, rows in parsed.tables.items():
        if isinstance(rows, RowSpan):  # a file of a parse group: the group's tables carry source_file
            tables[name] = rows
        else:
            rows = rows.append_column(_FILE_FIELD, pa.repeat(path.name, rows.num_rows))
            tables[name] = RowSpan(rows, 0, rows.num_rows)
    nbytes = parsed.nbytes
    if nbytes is None:
        nbytes = sum(span.table.nbytes for span in tables.values())
    return ReadyFile(
        index=index,
        name=path.name,
        sha=sha,
        size=size,
        records=parsed.records,
        status="partial" if parsed.errors else "ok",
        reason=describe_line_errors(parsed.errors, MAX_LISTED_BAD_LINES) if parsed.errors else None,
        parse_s=parsed.parse_s,
        tables=tables,
        nbytes=nbytes,
    )


@dataclass
class QuarantinedFile:
    """A file already copied to the quarantine folder with its reason: its log row commits with the batch,
    then it leaves the inbox (`remove`: it and its companions). log=False: that reason is logged already."""

    index: int
    name: str
    sha: str
    size: int
    reason: str
    duration_s: float
    remove: tuple[Path, ...]
    log: bool = True


_FILE_FIELD = pa.field("source_file", pa.string())


class Batch:
    """Files committed together: one Arrow insert per table plus every file's ingest-log row (quarantined
    files' too), in one transaction. A crash before COMMIT leaves none of the batch, so a rerun parses those
    files again; quarantined files leave the inbox only after their log rows committed."""

    def __init__(self, max_parse_s: float = BATCH_MAX_S) -> None:
        self.max_parse_s = max_parse_s
        self._clear()

    def _clear(self) -> None:
        self.files: list[ReadyFile] = []
        self.quarantined: list[QuarantinedFile] = []
        self.spans: dict[str, list[RowSpan]] = {}
        self.records = 0
        self.held = 0  # records in `spans`, not yet inserted
        self.parse_s = 0.0
        self.nbytes = 0
        self.write_s = 0.0
        self.ingested_at: datetime | None = None
        self.open = False  # BEGIN issued: some of the batch's rows are inserted, not committed

    def add(self, ready: ReadyFile) -> None:
        self.files.append(ready)
        self.records += ready.records
        self.held += ready.records
        self.parse_s += ready.parse_s
        self.nbytes += ready.nbytes
        for name, span in ready.tables.items():
            spans = self.spans.setdefault(name, [])
            if spans and span.follows(spans[-1]):  # the next file of the same parse group: one slice
                last = spans[-1]
                spans[-1] = RowSpan(last.table, last.start, last.length + span.length)
            else:
                spans.append(span)

    def quarantine(self, file: QuarantinedFile) -> None:
        self.quarantined.append(file)

    def full(self) -> bool:
        # Bounded so memory stays flat and slow sources (OCR) still commit every few seconds.
        return (
            self.records >= BATCH_MAX_RECORDS
            or len(self.files) + len(self.quarantined) >= BATCH_MAX_FILES
            or self.parse_s >= self.max_parse_s
            or self.nbytes >= BATCH_MAX_BYTES
        )

    def flush_if_large(self, con: duckdb.DuckDBPyConnection, source: Source, idle: bool = False) -> None:
        """Insert the rows held so far into the batch's transaction (opened now if need be) once there are
        FLUSH_RECORDS of them, or IDLE_FLUSH_RECORDS when `idle` (the parent would otherwise wait for the
        workers: a small source's rows were all inserted after its last parse); they commit (or vanish in a
        crash) with the rest of the batch."""
        if FLUSH_RECORDS > 0 and (self.held >= FLUSH_RECORDS or (idle and self.held >= IDLE_FLUSH_RECORDS)):
            self._insert_held(con, source)

    def _insert_held(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        with ingest_timeline.span("write"):
            self._insert_held_rows(con, source)

    def _insert_held_rows(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        started = time.monotonic()
        if not self.open:
            self.ingested_at = utcnow()
            con.execute("BEGIN TRANSACTION")
            self.open = True
        for table in source.tables:
            parts = [span.rows() for span in self.spans.get(table.name, ())]
            if not parts:
                continue
            rows = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
            if rows.num_rows < _MIN_CHUNK_ROWS * len(parts):
                # One contiguous chunk: DuckDB scans a table of ~1,000 tiny per-file chunks slowly (HL7 v2
                # at 20k leads: insert 0.96 CPU-s as chunks, 0.11 + 0.16 combined first); a few groups'
                # large chunks it scans as fast as one, and the copy is saved.
                rows = rows.combine_chunks()
            insert_rows(con, table.name, rows, source.name, self.ingested_at)
        self.spans = {}
        self.held = 0
        self.nbytes = 0  # the inserted rows are DuckDB's now (spilled to disk if need be), not held here
        self.write_s += time.monotonic() - started

    def rollback(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop an open transaction (the caller is failing); the batch's files stay uncommitted."""
        if self.open:
            con.execute("ROLLBACK")
        self._clear()

    def commit(
        self,
        con: duckdb.DuckDBPyConnection,
        source: Source,
        also: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    ) -> bool:
        """Commit the batch (False: it was empty, nothing done); `also` writes more in its transaction."""
        if not self.files and not self.quarantined:
            return False
        started = time.monotonic()
        try:
            self._insert_held(con, source)
            ingested_at = self.ingested_at
            maybe_crash([*(f.index for f in self.files), *(q.index for q in self.quarantined)])
            write_share = (self.write_s + time.monotonic() - started) / max(1, len(self.files))
            log = [
                (f.name, f.sha, f.size, f.records, f.status, f.reason, round(f.parse_s + write_share, 4))
                for f in self.files
            ]
            log += [
                (q.name, q.sha, q.size, 0, "quarantined", q.reason, q.duration_s)
                for q in self.quarantined
                if q.log
            ]
            if log:
                insert_log_rows(con, source.name, log, ingested_at)
            if also is not None:
                also(con)
            with ingest_timeline.span("write"):
                con.execute("COMMIT")
        except Exception:
            self.rollback(con)
            raise
        for q in self.quarantined:  # after COMMIT: a crash before it leaves the file in the inbox
            for path in q.remove:
                path.unlink(missing_ok=True)
        self._clear()
        return True


# The log rows as DuckDB list parameters, not an Arrow table: pyarrow imports pandas the first time it
# converts Python values (~0.22 CPU-s), and the parent's ingest otherwise builds no Arrow value of its own
# when the pool parses every file (its tables come from the workers). The run imports pandas anyway, later,
# for scoring, in a thread while dbt works in its own process. ~4 ms for 1,000 files.
_INSERT_LOG = (
    "INSERT INTO raw.ingest_log SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), "
    "unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?::TIMESTAMP, unnest(?::DOUBLE[])"
)


def insert_log_rows(
    con: duckdb.DuckDBPyConnection, source: str, log: list[tuple], at: datetime | None
) -> None:
    """raw.ingest_log rows (file, sha256, bytes, records, status, reason, duration_s) of one source."""
    names, shas, sizes, records, statuses, reasons, durations = (list(c) for c in zip(*log, strict=True))
    con.execute(_INSERT_LOG, [source, names, shas, sizes, records, statuses, reasons, at, durations])


def insert_rows(
    con: duckdb.DuckDBPyConnection, table_name: str, rows: pa.Table, source: str, at: datetime
) -> None:
    arrow_rows = rows  # noqa: F841 - read by DuckDB's replacement scan
    con.execute(
        f"INSERT INTO raw.{table_name} BY NAME SELECT *, ? AS source, ? AS ingested_at FROM arrow_rows",
        [source, at],
    )


def ingest_cut_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    job: FileJob,
    prefetch: Callable[[], None] | None = None,
) -> ParsedTables | str:
    """A file parsed in chunks, in one transaction of its own: each chunk's rows are inserted as they come
    (memory holds a few chunks, not the file) and the log row last, so a crash or a chunk that condemns the
    file leaves nothing of it. Returns the file's totals (no tables) or the reason to quarantine it.

    prefetch: called once every chunk is in the pool, to send the next files to the workers: they parse
    while this process inserts the last chunks and commits (the COMMIT of a large file is most of its
    write: a serial tail with idle workers otherwise)."""
    started = time.monotonic()
    ingested_at = utcnow()
    records, parse_s = 0, 0.0
    errors: list = []
    lines_reason: str | None = None
    con.execute("BEGIN TRANSACTION")
    try:
        for number, part in enumerate(job.parts()):
            if isinstance(part, str):
                con.execute("ROLLBACK")
                return part
            with ingest_timeline.span("write"):
                for name, rows in part.tables.items():
                    rows = rows.append_column(_FILE_FIELD, pa.repeat(job.path.name, rows.num_rows))
                    insert_rows(con, name, rows, source.name, ingested_at)
            records += part.records
            parse_s += part.parse_s
            errors.extend(part.errors)
            lines_reason = lines_reason or part.verdict
            if number == 0:
                maybe_crash([job.index])  # mid-file: the first chunk's rows are in, the rest are not
            if prefetch is not None and job.all_sent:
                prefetch()
                prefetch = None
        if records == 0:
            con.execute("ROLLBACK")
            # The first chunk's own verdict on its lines is what the whole file's parse would have said.
            return lines_reason or "no usable records" + (
                f"; {describe_line_errors(errors)}" if errors else ""
            )
        status = "partial" if errors else "ok"
        reason = describe_line_errors(errors, MAX_LISTED_BAD_LINES) if errors else None
        duration = round(parse_s + time.monotonic() - started, 4)
        con.execute(
            "INSERT INTO raw.ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [source.name, job.path.name, job.sha, job.size, records, status, reason, ingested_at, duration],
        )
        with ingest_timeline.span("write"):
            con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return ParsedTables({}, records, errors, parse_s)
