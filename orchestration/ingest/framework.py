"""Ingest one source's inbox folder into `raw.*`: once per file content, good files committed in batches.

A source module declares a `Source` (folder name, raw tables, which files it takes, a pure `parse`).
The framework hashes each file, skips content already ingested, writes the rows of a batch of files with
lineage columns and one `raw.ingest_log` row per file in a single transaction (so a crash leaves every
file of the batch either wholly in or wholly out), and quarantines files that cannot be used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

import duckdb

from orchestration.ingest import ingest_timeline
from orchestration.ingest.file_chunks import ChunkMode
from orchestration.ingest.file_stats import (
    FILE_STATS_DDL,
    FILE_STATS_TABLE,
    Stat,
    known_stats,
    record_files,
    unchanged_files,
)
from orchestration.ingest.ingest_commits import (
    BATCH_MAX_S,
    BATCH_MAX_S_POOLED,
    Batch,
    QuarantinedFile,
    ingest_cut_file,
    ready_file,
)
from orchestration.ingest.job_lookahead import Lookahead
from orchestration.ingest.parse_pool import file_jobs
from orchestration.ingest.records import ParsedFile, RawTable

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
    """Create `raw`, the ingest log, the file stats (file_stats) and every declared raw table (append-only,
    never altered here) that is missing, in one transaction; nothing when all exist (one catalog query).

    Each DDL statement run on its own was a commit, and a commit of a file database waits for its WAL to
    reach the disk: a first run paid 4-5 of those per source before reading a file (~5 ms each on a busy
    disk), every later run ~1.5 ms of CPU per source for statements that changed nothing. Call it outside
    any open transaction (it opens its own)."""
    wanted: dict[str, Callable[[], str]] = {
        "raw.ingest_log": lambda: INGEST_LOG_DDL,
        FILE_STATS_TABLE: lambda: FILE_STATS_DDL,
    }
    for source in sources:
        for table in source.tables:
            wanted.setdefault(table.qualified, table.create_sql)
    existing = {
        f"{schema}.{table}"
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    missing = [ddl for name, ddl in wanted.items() if name not in existing]
    if not missing:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        for ddl in missing:
            con.execute(ddl())
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # never hide the error that is failing the ingest
            con.execute("ROLLBACK")
        raise


_NO_COMPANIONS = Source.__dataclass_fields__["companions"].default


def folder_names(folder: Path) -> list[str]:
    """The names of the files of `folder` (symlinks to files too), sorted; no stat a file where the file
    system gives entry types."""
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        return sorted(entry.name for entry in entries if entry.is_file())


def _folder_files(folder: Path) -> list[Path]:
    """The files of `folder` (symlinks to files too) in name order; one directory read, no stat a file
    where the file system gives entry types (an HL7 v2 inbox holds thousands of files)."""
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        files = [Path(entry.path) for entry in entries if entry.is_file()]
    return sorted(files, key=attrgetter("name"))  # a Path sort compares parts lists: several times slower


def list_inbox(folder: Path, source: Source) -> list[Path]:
    return [p for p in _folder_files(folder) if source.accepts(p)]


def stray_files(
    folder: Path, source: Source, accepted: list[Path], files: list[Path] | None = None
) -> list[Path]:
    """Files the source does not take (wrong extension) that no accepted file carries along. They are
    quarantined with a reason rather than left unread in the inbox; hidden files (uploads in progress,
    .DS_Store) are the only ones left alone. files: the folder's files, when already listed."""
    carried = {c for path in accepted for c in source.companions(path)}
    taken = set(accepted)
    return [
        p
        for p in (_folder_files(folder) if files is None else files)
        if not p.name.startswith(".") and p not in taken and p not in carried and not source.accepts(p)
    ]


def _known_hashes(con: duckdb.DuckDBPyConnection, source: str) -> tuple[set[str], dict[str, str]]:
    rows = con.execute(
        "SELECT sha256, status, reason FROM raw.ingest_log WHERE source = ?", [source]
    ).fetchall()
    done = {h for h, status, _ in rows if status in ("ok", "partial")}
    quarantined = {h: reason for h, status, reason in rows if status == "quarantined"}
    return done, quarantined


def _quarantine(
    batch: Batch,
    source: Source,
    index: int,
    path: Path,
    size: int,
    sha: str,
    reason: str,
    quarantine_dir: Path,
    started: float,
    already: dict[str, str],
) -> None:
    """Copy the file aside with its reason now; its log row commits with the batch, and only then does it
    leave the inbox (so a crash at any point loses nothing; a rerun recognises a file already quarantined
    for the same reason)."""
    target_dir = quarantine_dir / source.name
    target_dir.mkdir(parents=True, exist_ok=True)
    companions = [c for c in source.companions(path) if c.is_file()]
    for file in (path, *companions):
        shutil.copy2(file, target_dir / file.name)
    (target_dir / f"{path.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    log = already.get(sha) != reason
    already[sha] = reason
    duration = round(time.monotonic() - started, 4)
    batch.quarantine(QuarantinedFile(index, path.name, sha, size, reason, duration, (path, *companions), log))


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

    Good files are committed in batches (see `ingest_commits.Batch`), and quarantined files' log rows with
    them.
    workers: parse processes for a `parallel` source (None: PTLEADS_INGEST_WORKERS, else up to 2 cores).
    """
    ensure_raw_schema(con, [source])
    with duckdb_single_thread(con):
        return _SourceRun(con, source, inbox_dir, quarantine_dir, ctx, progress, workers).finish()


# Files of the next source taken early by ingest_sources (beyond the pool's usual groups ahead): enough for
# the workers to stay busy through the source before's last inserts and COMMIT (20k leads' FHIR: ~0.6 s
# quiet), little enough to hold in memory (a small source is taken whole, and the one after it opened too).
PREFETCH_BYTES = 32_000_000


def ingest_sources(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[Source],
    inbox_dir: Path,
    quarantine_dir: Path,
    ctx: ParseContext,
    progress: Callable[[str], None] = lambda _msg: None,
    workers: int | None = None,
    finished: Callable[[SourceReport], None] = lambda _report: None,
) -> list[SourceReport]:
    """ingest_source for each source in order, the sources overlapped: once a source's last files are in
    the parse pool, the next source's first files are hashed and sent there too, so the workers parse them
    while this process inserts and commits the tail of the one before (a source alone leaves both workers
    idle through its last insert and COMMIT, and this process idle while its first files parse).

    What is written is exactly what ingest_source writes, source after source: one writer, each source's
    rows only after the one before committed; the next source's hashes and file stats are read in the open
    transaction (they are its own rows, which the source before never writes).
    finished: called with each source's report as soon as that source has committed (progress per source)."""
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ValueError("each source once")
    runs: dict[int, _SourceRun] = {}

    def opener(number: int) -> Callable[[], None]:
        def open_next() -> None:  # called when source number - 1 has every file in the pool
            if number < len(sources) and number not in runs:
                runs[number] = _SourceRun(
                    con,
                    sources[number],
                    inbox_dir,
                    quarantine_dir,
                    ctx,
                    progress,
                    workers,
                    opener(number + 1),
                    stats[sources[number].name],
                )
                runs[number].jobs.prefetch(PREFETCH_BYTES)

        return open_next

    reports = []
    ensure_raw_schema(con, sources)  # here: a source is opened in the transaction of the one before
    with duckdb_single_thread(con):
        stats = known_stats(con, names)  # every source's at once (each writes only its own)
        for number in range(len(sources)):
            opener(number)()  # a no-op when the source before already opened it
            reports.append(runs.pop(number).finish())
            finished(reports[-1])
    return reports


@contextlib.contextmanager
def duckdb_single_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB on one thread while ingesting, its setting restored after. The parse workers are ingestion's
    parallelism: a second DuckDB thread only competes with them for the 2 cores, and its task hand-offs
    cost CPU of their own (Arrow inserts of 20k leads' HL7 v2 rows: 0.18 -> 0.11 CPU-s, FHIR 0.34 ->
    0.18; the COMMIT's compression costs the same on one thread)."""
    before = con.execute("SELECT current_setting('threads')").fetchone()
    threads = int(before[0]) if before else 1
    if threads == 1:
        yield
        return
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):  # never hide the error that is ending the ingest
            con.execute(f"SET threads = {threads}")


class _SourceRun:
    """One source's ingest (its tables exist: ensure_raw_schema): set up (known hashes, listing, file stats
    (known: its recorded ones, when read already), stray files) when made, its files
    hashed and sent to the pool as its jobs are taken, written by `finish`. all_sent: called once every
    file is in the pool (ingest_sources opens the next source there)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        source: Source,
        inbox_dir: Path,
        quarantine_dir: Path,
        ctx: ParseContext,
        progress: Callable[[str], None],
        workers: int | None,
        all_sent: Callable[[], None] | None = None,
        known: dict[str, Stat] | None = None,
    ) -> None:
        self.con, self.source, self.quarantine_dir, self.progress = con, source, quarantine_dir, progress
        self.report = report = SourceReport(source.name)
        self.batch = batch = Batch(BATCH_MAX_S_POOLED if source.parallel else BATCH_MAX_S)
        folder = inbox_dir / source.name
        names = folder_names(folder)
        rest, skipped, self.stats = unchanged_files(con, source.name, folder, names, known)
        report.files_seen = report.files_skipped = len(skipped)
        # Every file recognised unread (a run with nothing new): the logged hashes are never looked at (at
        # 1M leads, 59k HL7 v2 rows a run turned into tuples and sets for nothing).
        self.done, self.quarantined = done, quarantined = (
            _known_hashes(con, source.name) if rest else (set(), {})
        )
        # Only files not skipped unread become Paths: a skipped file was accepted when it was recorded.
        files = [folder / name for name in rest]
        paths = [p for p in files if source.accepts(p)]
        carriers = paths
        if source.companions is not _NO_COMPANIONS and skipped:  # a skipped fax still carries its sidecar
            carriers = paths + [folder / name for name in skipped]
        strays = stray_files(folder, source, carriers, files)
        self.hashed: list[tuple[Path, str]] = []  # files now known ingested, for the next run's quick check
        for path in strays:
            started = time.monotonic()
            report.files_seen += 1
            data = path.read_bytes()
            sha = file_sha256(data)
            if sha in done:
                report.files_skipped += 1
                continue
            reason = f"file type {path.suffix or '(no extension)'} is not read by the {source.name} source"
            _quarantine(batch, source, 0, path, len(data), sha, reason, quarantine_dir, started, quarantined)
            report.files_quarantined += 1
            report.quarantined.append(path.name)
            progress(f"  {source.name}: quarantined {path.name}: {reason}")
        self.jobs = Lookahead(
            file_jobs(
                paths, source.parse, ctx, set(done), source.parallel, workers, source.chunking, all_sent
            )
        )

    def finish(self) -> SourceReport:
        con, source, batch, hashed, stats = self.con, self.source, self.batch, self.hashed, self.stats
        ingest_timeline.set_label(source.name)
        try:
            _ingest_jobs(
                con,
                source,
                self.jobs,
                batch,
                self.report,
                self.done,
                hashed,
                self.quarantine_dir,
                self.quarantined,
                self.progress,
            )
            # The files' stats commit with the last batch (one transaction, one WAL sync less per source).
            if not batch.commit(con, source, also=lambda c: record_files(c, source.name, hashed, stats)):
                record_files(con, source.name, hashed, stats)
        except BaseException:
            batch.rollback(con)  # a batch's rows may already be inserted in its open transaction
            raise
        return self.report


def _ingest_jobs(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    jobs: Lookahead,
    batch: Batch,
    report: SourceReport,
    done: set[str],
    hashed: list[tuple[Path, str]],
    quarantine_dir: Path,
    quarantined: dict[str, str],
    progress: Callable[[str], None],
) -> None:
    for job in jobs:
        report.files_seen += 1
        started = time.monotonic()
        job.settle()
        if job.sha in done:  # also holds the hashes of the open batch: a copy inside one batch is skipped too
            report.files_skipped += 1
            hashed.append((job.path, job.sha))
            continue
        if job.is_cut and not job.empty:
            batch.commit(con, source)  # the cut file commits in its own transaction, after the batch's
            parsed = ingest_cut_file(con, source, job, jobs.prefetch)
        else:
            parsed = job.outcome()
        if isinstance(parsed, str):
            _quarantine(
                batch,
                source,
                job.index,
                job.path,
                job.size,
                job.sha,
                parsed,
                quarantine_dir,
                started,
                quarantined,
            )
            report.files_quarantined += 1
            report.quarantined.append(job.path.name)
            progress(f"  {source.name}: quarantined {job.path.name}: {parsed}")
            if batch.full():
                batch.commit(con, source)
            continue
        done.add(job.sha)
        hashed.append((job.path, job.sha))
        if job.is_cut:
            report.records += parsed.records
            if parsed.errors:
                report.files_partial += 1
            else:
                report.files_ok += 1
            continue
        ready = ready_file(job.index, job.path, job.sha, job.size, parsed)
        batch.add(ready)
        report.records += ready.records
        if ready.status == "partial":
            report.files_partial += 1
        else:
            report.files_ok += 1
        if batch.full():
            batch.commit(con, source)
        else:
            batch.flush_if_large(con, source, idle=job.ends_before_busy_group)
