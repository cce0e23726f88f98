"""Ingest one source's inbox folder into `raw.*`: once per file content, good files committed in batches.

A source module declares a `Source` (folder name, raw tables, which files it takes, a pure `parse`).
The framework hashes each file, skips content already ingested, writes the rows of a batch of files with
lineage columns and one `raw.ingest_log` row per file in a single transaction (so a crash leaves every
file of the batch either wholly in or wholly out), and quarantines files that cannot be used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.ingest.file_chunks import ChunkMode
from orchestration.ingest.parse_pool import FileJob, ParsedTables, file_jobs
from orchestration.ingest.records import ParsedFile, RawTable, describe_line_errors

INGEST_LOG_DDL = """
CREATE TABLE IF NOT EXISTS raw.ingest_log (
  source VARCHAR NOT NULL,
  file VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  bytes BIGINT,
  records BIGINT,
  status VARCHAR NOT NULL,
  reason VARCHAR,
  ingested_at TIMESTAMP,
  duration_s DOUBLE
)
"""

# Test hook for the crash-safety test: "<n>" kills this process with SIGKILL while the n-th file's
# transaction is open (rows inserted, not committed; a file cut in chunks: after its first chunk's rows).
CRASH_ENV = "PTLEADS_TEST_KILL_IN_FILE"

MAX_LISTED_BAD_LINES = 20

# A batch of good files is committed once it holds this many records or files, or this many seconds of
# parsing (so a crash or kill never costs more than a few seconds of work to redo).
BATCH_MAX_RECORDS = 250_000
BATCH_MAX_FILES = 1_000
BATCH_MAX_S = 5.0
BATCH_MAX_BYTES = 256_000_000  # Arrow bytes held for the open batch: memory stays flat at any file count


@dataclass(frozen=True)
class ParseContext:
    """What parsers may need besides the file: mapping profiles and the config folder."""

    config_dir: Path
    profiles: tuple = ()  # tuple[MappingProfile, ...]; typed loosely to keep this module import-light
    warehouse_dir: Path | None = None  # where sources keep files beside the warehouse (fax page images)


@dataclass(frozen=True)
class Source:
    """One inbox folder = one source module."""

    name: str
    tables: tuple[RawTable, ...]
    parse: Callable[[Path, ParseContext], ParsedFile]
    accepts: Callable[[Path], bool] = lambda path: not path.name.startswith(".")
    # Files read together with an accepted file (a fax's `.json` sidecar): never listed on their own, and
    # quarantined with it, so a fax and its sidecar stay together.
    companions: Callable[[Path], tuple[Path, ...]] = lambda path: ()
    # Parse files in worker processes when the inbox is large (see parse_pool); `parse` must then be a
    # module-level function. Off for OCR: each worker would load its own models.
    parallel: bool = False
    # How a large file of this source may be cut into chunks that parse on their own ("lines": JSON Lines;
    # "csv": CSV, its header parsed in front of each chunk), or None to parse it whole (see file_chunks).
    chunking: Callable[[Path], ChunkMode | None] | None = None


@dataclass
class SourceReport:
    source: str
    files_seen: int = 0
    files_skipped: int = 0
    files_ok: int = 0
    files_partial: int = 0
    files_quarantined: int = 0
    records: int = 0
    quarantined: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.source}: {self.files_seen} files ({self.files_skipped} already ingested), "
            f"{self.records} records, {self.files_partial} partial, {self.files_quarantined} quarantined"
        )


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, sources: Iterable[Source]) -> None:
    """Create `raw`, the ingest log and every declared raw table (append-only, never altered here)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(INGEST_LOG_DDL)
    for source in sources:
        for table in source.tables:
            con.execute(table.create_sql())


def list_inbox(folder: Path, source: Source) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and source.accepts(p))


def stray_files(folder: Path, source: Source, accepted: list[Path]) -> list[Path]:
    """Files the source does not take (wrong extension) that no accepted file carries along. They are
    quarantined with a reason rather than left unread in the inbox; hidden files (uploads in progress,
    .DS_Store) are the only ones left alone."""
    if not folder.is_dir():
        return []
    carried = {c for path in accepted for c in source.companions(path)}
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and not source.accepts(p) and p not in carried
    )


def _known_hashes(con: duckdb.DuckDBPyConnection, source: str) -> tuple[set[str], dict[str, str]]:
    rows = con.execute(
        "SELECT sha256, status, reason FROM raw.ingest_log WHERE source = ?", [source]
    ).fetchall()
    done = {h for h, status, _ in rows if status in ("ok", "partial")}
    quarantined = {h: reason for h, status, reason in rows if status == "quarantined"}
    return done, quarantined


def _maybe_crash(file_indexes: Iterable[int]) -> None:
    if (wanted := os.environ.get(CRASH_ENV)) and wanted in {str(i) for i in file_indexes}:
        os.kill(os.getpid(), signal.SIGKILL)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _log_row(con, source, name, sha, size, records, status, reason, started) -> None:
    con.execute(
        "INSERT INTO raw.ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [source, name, sha, size, records, status, reason, _utcnow(), round(time.monotonic() - started, 4)],
    )


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    size: int,
    sha: str,
    reason: str,
    quarantine_dir: Path,
    started: float,
    already: dict[str, str],
) -> None:
    """Copy the file aside with its reason, log it, then remove it from the inbox (in that order, so a
    crash at any point loses nothing; a rerun recognises a file already quarantined for the same reason)."""
    target_dir = quarantine_dir / source.name
    target_dir.mkdir(parents=True, exist_ok=True)
    companions = [c for c in source.companions(path) if c.is_file()]
    for file in (path, *companions):
        shutil.copy2(file, target_dir / file.name)
    (target_dir / f"{path.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    if already.get(sha) != reason:
        con.execute("BEGIN TRANSACTION")
        _log_row(con, source.name, path.name, sha, size, 0, "quarantined", reason, started)
        con.execute("COMMIT")
        already[sha] = reason
    path.unlink()
    for companion in companions:
        companion.unlink()


@dataclass
class _ReadyFile:
    """A parsed file waiting for its batch's transaction: Arrow rows per table and its log row."""

    index: int
    name: str
    sha: str
    size: int
    records: int
    status: str
    reason: str | None
    parse_s: float
    tables: dict[str, pa.Table]  # by raw table name


def _ready_file(index: int, path: Path, sha: str, size: int, parsed: ParsedTables) -> _ReadyFile:
    tables = {
        name: rows.append_column(_FILE_FIELD, pa.repeat(path.name, rows.num_rows))
        for name, rows in parsed.tables.items()
    }
    return _ReadyFile(
        index=index,
        name=path.name,
        sha=sha,
        size=size,
        records=parsed.records,
        status="partial" if parsed.errors else "ok",
        reason=describe_line_errors(parsed.errors, MAX_LISTED_BAD_LINES) if parsed.errors else None,
        parse_s=parsed.parse_s,
        tables=tables,
    )


_FILE_FIELD = pa.field("source_file", pa.string())
_LOG_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("file", pa.string()),
        ("sha256", pa.string()),
        ("bytes", pa.int64()),
        ("records", pa.int64()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("ingested_at", pa.timestamp("us")),
        ("duration_s", pa.float64()),
    ]
)


class _Batch:
    """Parsed files committed together: one Arrow insert per table plus every file's ingest-log row, in one
    transaction. A crash before COMMIT leaves none of the batch, so a rerun parses those files again."""

    def __init__(self) -> None:
        self.files: list[_ReadyFile] = []
        self.records = 0
        self.parse_s = 0.0
        self.nbytes = 0

    def add(self, ready: _ReadyFile) -> None:
        self.files.append(ready)
        self.records += ready.records
        self.parse_s += ready.parse_s
        self.nbytes += sum(t.nbytes for t in ready.tables.values())

    def full(self) -> bool:
        # Bounded so memory stays flat and slow sources (OCR) still commit every few seconds.
        return (
            self.records >= BATCH_MAX_RECORDS
            or len(self.files) >= BATCH_MAX_FILES
            or self.parse_s >= BATCH_MAX_S
            or self.nbytes >= BATCH_MAX_BYTES
        )

    def commit(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        if not self.files:
            return
        started = time.monotonic()
        ingested_at = _utcnow()
        con.execute("BEGIN TRANSACTION")
        try:
            for table in source.tables:
                parts = [f.tables[table.name] for f in self.files if table.name in f.tables]
                if not parts:
                    continue
                # One contiguous chunk: DuckDB scans a table of ~1,000 tiny per-file chunks slowly (HL7 v2 at
                # 20k leads: insert 0.96 CPU-s as chunks, 0.11 + 0.16 combined first).
                rows = pa.concat_tables(parts).combine_chunks()
                _insert_rows(con, table.name, rows, source.name, ingested_at)
            _maybe_crash(f.index for f in self.files)
            write_share = (time.monotonic() - started) / len(self.files)
            log_rows = pa.Table.from_pylist(  # noqa: F841 - read by DuckDB's replacement scan
                [
                    {
                        "source": source.name,
                        "file": f.name,
                        "sha256": f.sha,
                        "bytes": f.size,
                        "records": f.records,
                        "status": f.status,
                        "reason": f.reason,
                        "ingested_at": ingested_at,
                        "duration_s": round(f.parse_s + write_share, 4),
                    }
                    for f in self.files
                ],
                schema=_LOG_SCHEMA,
            )
            con.execute("INSERT INTO raw.ingest_log BY NAME SELECT * FROM log_rows")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        self.files, self.records, self.parse_s, self.nbytes = [], 0, 0.0, 0


def _insert_rows(
    con: duckdb.DuckDBPyConnection, table_name: str, rows: pa.Table, source: str, at: datetime
) -> None:
    arrow_rows = rows  # noqa: F841 - read by DuckDB's replacement scan
    con.execute(
        f"INSERT INTO raw.{table_name} BY NAME SELECT *, ? AS source, ? AS ingested_at FROM arrow_rows",
        [source, at],
    )


def _ingest_cut_file(con: duckdb.DuckDBPyConnection, source: Source, job: FileJob) -> ParsedTables | str:
    """A file parsed in chunks, in one transaction of its own: each chunk's rows are inserted as they come
    (memory holds a few chunks, not the file) and the log row last, so a crash or a chunk that condemns the
    file leaves nothing of it. Returns the file's totals (no tables) or the reason to quarantine it."""
    started = time.monotonic()
    ingested_at = _utcnow()
    records, parse_s = 0, 0.0
    errors: list = []
    lines_reason: str | None = None
    con.execute("BEGIN TRANSACTION")
    try:
        for number, part in enumerate(job.parts()):
            if isinstance(part, str):
                con.execute("ROLLBACK")
                return part
            for name, rows in part.tables.items():
                rows = rows.append_column(_FILE_FIELD, pa.repeat(job.path.name, rows.num_rows))
                _insert_rows(con, name, rows, source.name, ingested_at)
            records += part.records
            parse_s += part.parse_s
            errors.extend(part.errors)
            lines_reason = lines_reason or part.verdict
            if number == 0:
                _maybe_crash([job.index])  # mid-file: the first chunk's rows are in, the rest are not
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
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return ParsedTables({}, records, errors, parse_s)


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    inbox_dir: Path,
    quarantine_dir: Path,
    ctx: ParseContext,
    progress: Callable[[str], None] = lambda _msg: None,
    workers: int | None = None,
) -> SourceReport:
    """Ingest every new file of `inbox_dir/<source.name>`; never raises for a bad file.

    Good files are committed in batches (see `_Batch`); a quarantined file is logged on its own at once.
    workers: parse processes for a `parallel` source (None: PTLEADS_INGEST_WORKERS, else up to 2 cores).
    """
    ensure_raw_schema(con, [source])
    report = SourceReport(source.name)
    done, quarantined = _known_hashes(con, source.name)
    batch = _Batch()
    paths = list_inbox(inbox_dir / source.name, source)
    for path in stray_files(inbox_dir / source.name, source, paths):
        report.files_seen += 1
        data = path.read_bytes()
        sha = file_sha256(data)
        if sha in done:
            report.files_skipped += 1
            continue
        reason = f"file type {path.suffix or '(no extension)'} is not read by the {source.name} source"
        _quarantine(con, source, path, len(data), sha, reason, quarantine_dir, time.monotonic(), quarantined)
        report.files_quarantined += 1
        report.quarantined.append(path.name)
        progress(f"  {source.name}: quarantined {path.name}: {reason}")
    jobs = file_jobs(paths, source.parse, ctx, set(done), source.parallel, workers, source.chunking)
    for job in jobs:
        report.files_seen += 1
        started = time.monotonic()
        if job.sha in done:  # also holds the hashes of the open batch: a copy inside one batch is skipped too
            report.files_skipped += 1
            continue
        if job.is_cut and not job.empty:
            batch.commit(con, source)  # the cut file commits in its own transaction, after the batch's
            parsed = _ingest_cut_file(con, source, job)
        else:
            parsed = job.outcome()
        if isinstance(parsed, str):
            _quarantine(
                con, source, job.path, job.size, job.sha, parsed, quarantine_dir, started, quarantined
            )
            report.files_quarantined += 1
            report.quarantined.append(job.path.name)
            progress(f"  {source.name}: quarantined {job.path.name}: {parsed}")
            continue
        done.add(job.sha)
        if job.is_cut:
            report.records += parsed.records
            if parsed.errors:
                report.files_partial += 1
            else:
                report.files_ok += 1
            continue
        ready = _ready_file(job.index, job.path, job.sha, job.size, parsed)
        batch.add(ready)
        report.records += ready.records
        if ready.status == "partial":
            report.files_partial += 1
        else:
            report.files_ok += 1
        if batch.full():
            batch.commit(con, source)
    batch.commit(con, source)
    return report
