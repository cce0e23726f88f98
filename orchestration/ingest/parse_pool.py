"""Parse a source's files in order, in-process or in a pool of worker processes; DuckDB stays in the parent.

Parsing (pure Python per record) is where ingestion spends its CPU, and one Python process uses one core.
Workers read, hash and parse the files and turn the rows into Arrow tables, sent back through shared
memory (shared_tables: mapped, not copied); the parent keeps the only warehouse connection (one writer),
hashes only the files it cuts in chunks, and consumes results in file order (a file whose hash is known
is skipped there), so batches, the ingest log and crash-safety are exactly those of the in-process path.

The pool pays a start-up (a fresh interpreter per worker importing pyarrow and the parsers, ~1 CPU-s), so
it is used only for sources that opt in (`Source.parallel`) and for inboxes large enough to gain.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.abc
import logging
import multiprocessing
import os
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from orchestration.ingest import ingest_timeline, shared_tables
from orchestration.ingest.file_chunks import Chunk, ChunkMode, FileLines, chunk_path, scan_file
from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.parse_groups import (
    FileRows,
    FileScanned,
    GroupTables,
    RowSpan,
    failure_reason,
    parse_group,
    parse_one,
)
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile

log = logging.getLogger(__name__)
WORKERS_ENV = "PTLEADS_INGEST_WORKERS"  # 0 or 1: always parse in-process
POOL_MIN_BYTES = 4_000_000  # smaller inboxes parse faster in-process than a pool starts
# A pool already running (started ahead by the run, or by an earlier source) costs only its tasks' pickling
# (paths out, Arrow buffers back): worth it for any new file. A web-form or EMR-report inbox of 3 MB parses
# ~1.6x faster in it; a day's files of a few hundred kB (100k leads: every source's) parsed in the parent,
# ~1.1 CPU-s on the ingest's one serial core while both workers idled, and those files now parse beside
# the parent's writes (a single file too: ingest_sources sends it while the source before commits).
POOL_WARM_MIN_BYTES = 1
_AHEAD_PER_WORKER = 2  # groups (or chunks of a cut file) in flight per worker: both busy, little memory
# Small files of a `parallel` (cheap to parse) source are parsed in groups of up to this many bytes or files
# (parse_groups): one task, one Arrow conversion per column, one table per raw table for the whole group.
GROUP_BYTES = 2_000_000
GROUP_FILES = 512
# Files larger than this are parsed in chunks of about this size (sources that declare a chunk mode), so
# memory no longer grows with the file: a chunk's decoded records and Arrow tables, not a whole file's.
CHUNK_BYTES = int(os.environ.get("PTLEADS_INGEST_CHUNK_BYTES", "16000000"))


@dataclass
class ParsedTables:
    """A parsed file as Arrow tables keyed by raw table name (what a worker sends back); a file of a parse
    group holds RowSpans of its group's tables instead (with their source_file column)."""

    tables: dict[str, pa.Table | RowSpan] = field(default_factory=dict)
    records: int = 0
    errors: list[LineError] = field(default_factory=list)
    parse_s: float = 0.0
    verdict: str | None = None  # a chunk's QuarantineFile reason that came from its lines alone
    nbytes: int | None = None  # Arrow bytes of a group file's share (None: the tables' own)
    busy: tuple[int, float, float] = (0, 0.0, 0.0)  # (pid, start, end) of the task: ingest_timeline


Parse = Callable[[Path, Any], ParsedFile]


def parse_to_tables(parse: Parse, path: Path, ctx: Any) -> ParsedTables | str:
    """The file's rows as Arrow tables, or the reason to quarantine it (parse_groups.failure_reason)."""
    started = time.monotonic()
    # Parsers build acyclic records by the hundred thousand, and the Arrow transpose as many tuples:
    # generational GC passes over them cost more than the work itself (JSON decoding measured 4x slower).
    with gc_paused():
        parsed = parse_one(parse, path, ctx)
        if isinstance(parsed, str):
            return parsed
        try:
            # A value Arrow cannot store (a lone surrogate JSON may escape) quarantines the file with a
            # reason instead of failing the whole source.
            tables = {table.name: table.to_arrow(rows) for table, rows in parsed.rows.items() if rows}
        except Exception as exc:
            return failure_reason(exc)
        records, errors = parsed.record_count, parsed.errors
        del parsed  # freed while the GC is off (see parse_groups.parse_group)
    ended = time.monotonic()
    return ParsedTables(tables, records, errors, ended - started, busy=(os.getpid(), started, ended))


def parse_chunk_to_tables(
    parse: Parse, path: Path, chunk: Chunk, ctx: Any, owner: int = 0
) -> ParsedTables | str:
    """One chunk of a cut file as Arrow tables (a chunk may hold no rows: only the whole file's count decides
    that), or the reason to quarantine the whole file. Its errors' line numbers are the chunk's own (the
    header line in front counts): FileJob.parts shifts them to the file's. owner: in a worker, the parent's
    pid when the tables go back through shared memory (shared_tables)."""
    started = time.monotonic()
    verdict = None
    with gc_paused():
        try:
            try:
                parsed = parse(chunk_path(path, chunk), ctx)
            except QuarantineFile as exc:
                if exc.lines is None:
                    raise
                parsed = ParsedFile(errors=exc.lines)  # a verdict of its lines only: this chunk has none
                verdict = str(exc)
            tables = {table.name: table.to_arrow(rows) for table, rows in parsed.rows.items() if rows}
        except QuarantineFile as exc:
            return str(exc)
        except UnicodeDecodeError as exc:
            return f"not UTF-8 text (bad byte at offset {exc.start + chunk.start - len(chunk.header)})"
        except Exception as exc:
            return f"parser failed: {type(exc).__name__}"
        records, errors = parsed.record_count, parsed.errors
        del parsed  # the chunk's row tuples freed while the GC is off (see parse_groups.parse_group)
    ended = time.monotonic()
    busy = (os.getpid(), started, ended)
    if owner:
        tables = shared_tables.put(tables, owner)  # type: ignore[assignment]
    return ParsedTables(tables, records, errors, ended - started, verdict, busy=busy)


def _owner() -> int:
    """What a pool task is told: this process's pid when results may come back through shared memory."""
    return os.getpid() if shared_tables.usable() else 0


def _discard_result(future: Future) -> None:
    """A done-callback of a result never consumed: its shared files removed."""
    if future.cancelled() or future.exception() is not None:
        return
    result = future.result()
    tables = getattr(result, "tables", None)
    if isinstance(tables, dict):
        shared_tables.discard(tables)


class FileGroup:
    """Files parsed as one task (parse_groups), in the pool when `submit`ted, else in-process on first use."""

    def __init__(self, parse: Parse, ctx: Any, jobs: list[FileJob], hashes: bool = False) -> None:
        self.parse, self.ctx, self.jobs = parse, ctx, jobs
        self.hashes = hashes  # the task reads and hashes the files (their jobs' `settle`)
        self.future: Future | None = None
        self.next: FileGroup | None = None  # the group closed after this one (file_jobs links them)
        self._result: GroupTables | None = None
        self._starts: list[dict[str, int]] = []
        self._nbytes: dict[str, float] = {}
        for slot, job in enumerate(jobs):
            job._group, job._slot = self, slot

    def submit(self, workers: int) -> None:
        # A broken pool leaves the group without a future: it is parsed in-process when consumed.
        paths = [j.path for j in self.jobs]
        self.future = _submit(workers, parse_group, self.parse, paths, self.ctx, _owner(), self.hashes)

    def _tables(self) -> GroupTables:
        if self._result is None:
            result = None
            if self.future is not None:
                try:
                    result = _result(self.future)
                    result.tables = shared_tables.take(result.tables)
                except BrokenProcessPool:  # a worker died (e.g. out of memory): this group in-process
                    name = self.jobs[0].path.name
                    log.warning("a parse worker died; %s and the files after it parse in-process", name)
                    _reset_pool()
                self.future = None
            if result is None:
                result = parse_group(self.parse, [j.path for j in self.jobs], self.ctx, hashes=self.hashes)
            ingest_timeline.add("parse", result.busy[1], result.busy[2], result.busy[0])
            self._result = result
            at: dict[str, int] = {}
            for file in result.files:  # where each file's rows start in the group's tables
                self._starts.append(dict(at))
                if isinstance(file, FileRows):
                    for name, n in file.rows.items():
                        at[name] = at.get(name, 0) + n
            self._nbytes = {n: t.nbytes / max(1, t.num_rows) for n, t in result.tables.items()}
        return self._result

    def scanned(self, slot: int) -> FileScanned:
        scans = self._tables().scans
        assert scans is not None
        return scans[slot]

    def outcome(self, slot: int) -> ParsedTables | str:
        result = self._tables()
        file = result.files[slot]
        if isinstance(file, str):
            return file
        starts = self._starts[slot]
        tables = {name: RowSpan(result.tables[name], starts.get(name, 0), n) for name, n in file.rows.items()}
        nbytes = round(sum(self._nbytes[name] * n for name, n in file.rows.items()))
        return ParsedTables(tables, file.records, file.errors, file.parse_s, nbytes=nbytes)


@dataclass(eq=False)
class FileJob:
    """One inbox file: its content hash and size (read by the parent), and its parse outcome on demand."""

    index: int
    path: Path
    sha: str
    size: int
    empty: bool
    _parse: Parse | None = None
    _ctx: Any = None
    chunks: tuple[Chunk, ...] = ()  # more than one: the file is parsed in these chunks (see `parts`)
    _chunk_futures: dict[int, Future] = field(default_factory=dict)
    _chunks_sent: int = 0
    _lines: FileLines | None = None  # the file's line ends, counted once a chunk has bad lines
    _pool_workers: int = 0
    _group: FileGroup | None = None  # parsed with other small files (see parse_groups)
    _slot: int = 0  # this file's place in its group
    _waiting: bool = False  # in a group still being filled (not handed out before the group is sent)
    # sha, size (the stat's until then) and empty come with the group's result (the worker read the file)
    _unsettled: bool = False

    @property
    def is_cut(self) -> bool:
        return len(self.chunks) > 1

    def settle(self) -> None:
        """Know the file's hash (waiting for its group when a worker reads it): before sha, size, empty."""
        if self._unsettled:
            assert self._group is not None
            scan = self._group.scanned(self._slot)
            self.sha, self.size, self.empty = scan.sha, scan.size, scan.empty
            self._unsettled = False

    @property
    def ends_before_busy_group(self) -> bool:
        """The last file of its group, and the pool is still parsing the next group: the parent would wait
        for that group, so whatever it does now (insert the rows it holds) costs it no wall."""
        group = self._group
        if group is None or self._slot != len(group.jobs) - 1 or group.next is None:
            return False
        future = group.next.future
        return future is not None and not future.done()

    @property
    def all_sent(self) -> bool:
        """Every chunk is in the pool (or parsed): the workers will soon have room for the next files."""
        return self._pool_workers == 0 or self._chunks_sent >= len(self.chunks)

    def outcome(self) -> ParsedTables | str:
        """The whole file's outcome (a file that is not cut)."""
        if self.empty:
            return "empty file"
        if self._group is not None:
            return self._group.outcome(self._slot)
        assert self._parse is not None
        parsed = parse_to_tables(self._parse, self.path, self._ctx)
        if not isinstance(parsed, str):
            ingest_timeline.add("parse", parsed.busy[1], parsed.busy[2], parsed.busy[0])
        return parsed

    def scanned_chunk(self, chunk: Chunk) -> None:
        """A chunk the parent's scan has cut (file_chunks.scan_file's on_chunk), sent to the pool at once
        (up to one a worker, as before the scan ended): the workers parse it while the rest of the file is
        read and hashed (FHIR goes first, and its largest file's scan left both workers idle: ~0.3 CPU-s a
        400 MB file, ~3 s at 1M leads)."""
        self.chunks = (*self.chunks, chunk)
        self.submit_ahead(self._pool_workers)

    def submit_ahead(self, upto: int) -> None:
        """Send chunks [0, upto) not yet sent to the pool (when this job uses one); each is sent once."""
        while self._pool_workers and self._chunks_sent < min(upto, len(self.chunks)):
            number = self._chunks_sent
            future = _submit(
                self._pool_workers,
                parse_chunk_to_tables,
                self._parse,
                self.path,
                self.chunks[number],
                self._ctx,
                _owner(),
            )
            if future is None:
                self._pool_workers = 0
                return
            self._chunk_futures[number] = future
            self._chunks_sent += 1

    def parts(self) -> Iterator[ParsedTables | str]:
        """Each chunk's outcome in order (a cut file); the pool works `ahead` chunks in front of the one
        consumed, so at most that many chunks' tables wait in memory."""
        assert self._parse is not None
        ahead = max(1, self._pool_workers * _AHEAD_PER_WORKER)
        try:
            for number, chunk in enumerate(self.chunks):
                self.submit_ahead(number + ahead)
                future = self._chunk_futures.pop(number, None)
                if future is not None:
                    try:
                        part = _result(future)
                        if not isinstance(part, str):
                            part.tables = shared_tables.take(part.tables)  # type: ignore[arg-type]
                            ingest_timeline.add("parse", part.busy[1], part.busy[2], part.busy[0])
                        yield self._file_line_numbers(chunk, part)
                        continue
                    except BrokenProcessPool:
                        log.warning("a parse worker died; %s parses on in-process", self.path.name)
                        _reset_pool()
                        self._pool_workers = 0
                        self._drop_chunk_futures()
                yield self._file_line_numbers(
                    chunk, parse_chunk_to_tables(self._parse, self.path, chunk, self._ctx)
                )
        finally:  # a chunk that condemns the file stops the reading: the chunks sent ahead are not needed
            self._drop_chunk_futures()

    def _file_line_numbers(self, chunk: Chunk, part: ParsedTables | str) -> ParsedTables | str:
        """The chunk's bad lines numbered as the file's (the lines before it counted only now)."""
        if isinstance(part, str) or not part.errors or chunk.start == 0:
            return part
        if self._lines is None:
            self._lines = FileLines(self.path)
        shift = chunk.line_offset(self._lines.before(chunk.start))
        part.errors = [LineError(e.line + shift, e.reason) for e in part.errors]
        return part

    def _drop_chunk_futures(self) -> None:
        """Cancel the chunks sent ahead; those already parsing or parsed leave no shared file behind."""
        for pending in self._chunk_futures.values():
            if not pending.cancel():
                pending.add_done_callback(_discard_result)
        self._chunk_futures.clear()


def _result(future: Future) -> Any:
    """The future's result; the parent's wait for it is recorded (ingest_timeline) when that is on."""
    if not ingest_timeline.on() or future.done():
        return future.result()
    with ingest_timeline.span("wait"):
        return future.result()


def _submit(workers: int, fn: Callable[..., Any], *args: Any) -> Future | None:
    """Submit to the pool; None when the pool is broken (the caller parses in-process)."""
    try:
        with importable_main():
            return _pool(workers).submit(fn, *args)
    except BrokenProcessPool:
        return None


def worker_count() -> int:
    configured = os.environ.get(WORKERS_ENV)
    if configured is not None:
        return max(0, int(configured))
    return min(2, os.cpu_count() or 1)


_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0


def _pool(workers: int) -> ProcessPoolExecutor:
    """One pool per process, kept across sources (Dagster runs every ingest asset in this process)."""
    global _POOL, _POOL_SIZE
    if _POOL is None or workers != _POOL_SIZE:
        _reset_pool()
        shared_tables.sweep()  # shared files of pools whose owner was killed
        # spawn, not fork: the parent holds DuckDB's threads and locks, which a forked child would inherit.
        _POOL = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        _POOL_SIZE = workers
    return _POOL


def _start_worker(parent: int) -> None:
    """Pool initializer: end with the parent, and parse without pandas."""
    _exit_with_parent(parent)
    without_pandas()


class _NoPandas(importlib.abc.MetaPathFinder):
    """An import finder that says pandas is not installed (see without_pandas)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def without_pandas() -> None:
    """Keep pandas out of this process (a parse worker, the ingest started ahead): pyarrow looks for it
    the first time it converts any Python value (pa.array, pa.scalar, pa.repeat) and imports it if it
    can, ~0.22 CPU-s that each worker paid inside its first parse task, on the ingest's critical path. No
    parser uses pandas, and pyarrow without it is a supported install: told that it is missing (a finder
    that raises ModuleNotFoundError; a None in sys.modules is not enough for pyarrow), it converts
    the same. A process that has imported pandas already keeps it."""
    if "pandas" not in sys.modules and not any(isinstance(f, _NoPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoPandas())


def _exit_with_parent(parent: int) -> None:
    """The worker ends when its parent does. The pool's queues never tell it (each worker
    holds their write ends too), so a parent killed with -9 left both workers waiting for tasks for ever,
    and holding the parent's stdout and stderr open (a caller reading them waited with them)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _reset_pool(wait: bool = False) -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=wait, cancel_futures=True)
        _POOL = None


def start_workers(workers: int | None = None) -> None:
    """Start the parse workers now, in the background: their interpreter start and imports (~1 s) then
    overlap the caller's own set-up (a run loads its Dagster definitions first) instead of delaying the
    first source large enough for the pool. A warm pool also takes smaller inboxes (POOL_WARM_MIN_BYTES)."""
    workers = worker_count() if workers is None else workers
    if workers < 2:
        return
    with contextlib.suppress(BrokenProcessPool), importable_main():
        pool = _pool(workers)
        for _ in range(workers):  # one task each: the pool starts a process per task while none is idle
            pool.submit(_import_parsers)


# The structured sources' parser modules (not the fax source's: OCR imports take ~0.5 CPU-s, and faxes
# parse in-process unless an inbox of them is large).
_PARSER_MODULES = ("calls", "eligibility", "email", "emr_csv", "fhir", "hl7v2", "sms", "web", "webforms")


def _import_parsers() -> None:
    for name in _PARSER_MODULES:
        importlib.import_module(f"orchestration.ingest.{name}")


def shutdown_pool(wait: bool = False) -> None:
    """Stop the parse workers (they otherwise idle, ~100 MB each, until this process exits). wait: until
    they have exited; a multiprocessing child must (see ingest_ahead._ingest)."""
    _reset_pool(wait)


atexit.register(_reset_pool)


@contextlib.contextmanager
def importable_main() -> Iterator[None]:
    """Workers start (inside `submit`) under a bare `__main__`. A spawned child re-runs the parent's main
    script, and that script may be anything: a Streamlit page (AppTest installs it as `__main__`), a
    notebook, a REPL file. Parsers are module-level functions the child imports by name, so it needs none."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def pool_children_pids() -> list[int]:
    """Process ids of the live workers (the benchmark adds their CPU time to the parent's)."""
    return [p.pid for p in (_POOL._processes or {}).values()] if _POOL is not None else []


def file_jobs(
    paths: list[Path],
    parse: Parse,
    ctx: Any,
    known: set[str],
    parallel: bool,
    workers: int | None = None,
    chunking: Callable[[Path], ChunkMode | None] | None = None,
    all_sent: Callable[[], None] | None = None,
) -> Iterator[FileJob]:
    """Every file in order with its hash; parsing happens in `FileJob.outcome`/`parts`, in groups of small
    files (in-process, or ahead in the pool). Files whose hash is in `known` when read, or that repeat a
    file already grouped (a copy), are never grouped: the consumer skips them (or, a copy of a quarantined
    file, parses it alone). chunking: the chunk mode of a file (None: parse it whole); files over
    CHUNK_BYTES are then cut. all_sent: called once every file was read and its group closed (in the pool,
    when it is used; the chunks of a cut last file are sent as they are consumed)."""
    workers = worker_count() if workers is None else workers
    sizes = [p.stat().st_size for p in paths] if parallel else [0] * len(paths)
    total = sum(sizes)
    warm = _POOL is not None and workers == _POOL_SIZE
    use_pool = (
        parallel
        and workers >= 2
        and total >= (min(POOL_MIN_BYTES, POOL_WARM_MIN_BYTES) if warm else POOL_MIN_BYTES)
        # else nothing to share (a warm pool shares even one file with the parent's writes)
        and (len(paths) >= 2 or warm or (chunking is not None and total > CHUNK_BYTES))
    )
    # Enough groups for every worker to get a few (the last group of an inbox is the one waited for).
    group_bytes = max(1, min(GROUP_BYTES, total // (workers * 4))) if use_pool else GROUP_BYTES
    # Slow sources (OCR: seconds a file) gain nothing from groups and would hold a group's files back from
    # their batch (a kill would then cost a group's OCR, not a few seconds of it): one file a group.
    group_files = GROUP_FILES if parallel else 1
    ahead = workers * _AHEAD_PER_WORKER if use_pool else 0  # groups parsed ahead of the consumer
    pending: deque[FileJob] = deque()
    open_jobs: list[FileJob] = []
    open_bytes = 0
    grouped: set[str] = set()
    groups_pending = 0  # closed groups with files not yet handed out
    last_group: FileGroup | None = None

    def close_group() -> None:
        nonlocal open_jobs, open_bytes, groups_pending, last_group
        if open_jobs:
            for job in open_jobs:
                job._waiting = False
            group = FileGroup(parse, ctx, open_jobs, hashes=open_jobs[0]._unsettled)
            if use_pool:
                group.submit(workers)
            if last_group is not None:
                last_group.next = group
            last_group = group
            groups_pending += 1
            open_jobs, open_bytes = [], 0

    def ready(job: FileJob) -> bool:
        if job._group is None:
            return not job._waiting  # an ungrouped file (cut, empty, known, a copy), or one still grouping
        return groups_pending > ahead

    def hand_out() -> FileJob:
        nonlocal groups_pending
        job = pending.popleft()
        if job._group is not None and job._slot == len(job._group.jobs) - 1:
            groups_pending -= 1
        return job

    for index, (path, size) in enumerate(zip(paths, sizes, strict=True), start=1):
        mode = chunking(path) if chunking is not None else None
        if use_pool and (mode is None or size <= CHUNK_BYTES):
            # Never cut: the worker that parses it reads and hashes it (the parent's read and hash of 41 MB
            # of 271s were ~35 ms of its CPU, on the ingest's serial core). A file whose content is known
            # under another stat is then parsed for nothing, and skipped all the same.
            job = FileJob(index, path, "", size, False, _parse=parse, _ctx=ctx, _unsettled=True)
            pending.append(job)
            if open_jobs and not open_jobs[0]._unsettled:
                close_group()  # a group's files are hashed all by its task or all by this process
            job._waiting = True
            open_jobs.append(job)
            open_bytes += size
            if open_bytes >= group_bytes or len(open_jobs) >= group_files:
                close_group()
            while pending and ready(pending[0]):
                yield hand_out()
            continue
        job = FileJob(index, path, "", size, False, _parse=parse, _ctx=ctx)
        if use_pool and mode is not None and size > CHUNK_BYTES:  # cut, unless it is not JSON Lines
            close_group()  # the files before it are parsed while its chunks wait
            job._pool_workers = workers  # its first chunks go to the pool as the scan cuts them
        try:
            scan = scan_file(path, mode, CHUNK_BYTES, job.scanned_chunk if job._pool_workers else None)
        except BaseException:
            job._drop_chunk_futures()
            raise
        sent = job.chunks
        job.sha, job.size, job.empty, job.chunks = scan.sha, scan.size, scan.empty, scan.chunks
        if scan.chunks[: len(sent)] != sent:  # never: a chunk is reported once the next one is cut
            raise AssertionError(f"{path.name}: chunks sent ahead differ from the scan's")
        pending.append(job)
        new = not scan.empty and scan.sha not in known
        if not (new and job.is_cut) and sent:
            job._drop_chunk_futures()  # known content: its chunks parsed for nothing, results dropped
            job._chunks_sent = 0
        if not (new and job.is_cut and use_pool):
            job._pool_workers = 0
        if new and job.is_cut:
            close_group()  # the files before it are parsed while its chunks wait
            if use_pool:
                job._pool_workers = workers
                job.submit_ahead(workers)  # the rest as its chunks are consumed
        elif new and scan.sha not in grouped:
            grouped.add(scan.sha)
            if open_jobs and open_jobs[0]._unsettled:
                close_group()
            job._waiting = True
            open_jobs.append(job)
            open_bytes += scan.size
            if open_bytes >= group_bytes or len(open_jobs) >= group_files:
                close_group()
        while pending and ready(pending[0]):
            yield hand_out()
    close_group()
    if all_sent is not None:
        all_sent()
    while pending:
        yield hand_out()
