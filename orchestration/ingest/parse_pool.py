"""Parse a source's files in order, in-process or in a pool of worker processes; DuckDB stays in the parent.

Parsing (pure Python per record) is where ingestion spends its CPU, and one Python process uses one core.
Workers read, parse and turn the rows into Arrow tables (cheap to send back: buffers, not objects); the
parent keeps the only warehouse connection (one writer), hashes files itself and consumes results in file
order, so batches, the ingest log and crash-safety are exactly those of the in-process path.

The pool pays a start-up (a fresh interpreter per worker importing pyarrow and the parsers, ~1 CPU-s), so
it is used only for sources that opt in (`Source.parallel`) and for inboxes large enough to gain.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import sys
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

from orchestration.ingest.file_chunks import Chunk, ChunkMode, chunk_path, scan_file
from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, describe_line_errors

log = logging.getLogger(__name__)
WORKERS_ENV = "PTLEADS_INGEST_WORKERS"  # 0 or 1: always parse in-process
POOL_MIN_BYTES = 4_000_000  # smaller inboxes parse faster in-process than a pool starts
_AHEAD_PER_WORKER = 2  # files (or chunks of one file) in flight per worker: both busy, little memory
# Files larger than this are parsed in chunks of about this size (sources that declare a chunk mode), so
# memory no longer grows with the file: a chunk's decoded records and Arrow tables, not a whole file's.
CHUNK_BYTES = int(os.environ.get("PTLEADS_INGEST_CHUNK_BYTES", "16000000"))


@dataclass
class ParsedTables:
    """A parsed file as Arrow tables keyed by raw table name (what a worker sends back)."""

    tables: dict[str, pa.Table] = field(default_factory=dict)
    records: int = 0
    errors: list[LineError] = field(default_factory=list)
    parse_s: float = 0.0
    verdict: str | None = None  # a chunk's QuarantineFile reason that came from its lines alone


Parse = Callable[[Path, Any], ParsedFile]


def parse_to_tables(parse: Parse, path: Path, ctx: Any) -> ParsedTables | str:
    """The file's rows as Arrow tables, or the reason to quarantine it. Unexpected errors give only their
    type (the message may hold PHI)."""
    started = time.monotonic()
    # Parsers build acyclic records by the hundred thousand, and the Arrow transpose as many tuples:
    # generational GC passes over them cost more than the work itself (JSON decoding measured 4x slower).
    with gc_paused():
        try:
            parsed = parse(path, ctx)
            if parsed.record_count == 0:
                errors = f"; {describe_line_errors(parsed.errors)}" if parsed.errors else ""
                return "no usable records" + errors
            # Inside the try: a value Arrow cannot store (a lone surrogate JSON may escape) quarantines the
            # file with a reason instead of failing the whole source.
            tables = {table.name: table.to_arrow(rows) for table, rows in parsed.rows.items() if rows}
        except QuarantineFile as exc:
            return str(exc)
        except UnicodeDecodeError as exc:
            return f"not UTF-8 text (bad byte at offset {exc.start})"
        except Exception as exc:
            return f"parser failed: {type(exc).__name__}"
    return ParsedTables(tables, parsed.record_count, parsed.errors, time.monotonic() - started)


def parse_chunk_to_tables(parse: Parse, path: Path, chunk: Chunk, ctx: Any) -> ParsedTables | str:
    """One chunk of a cut file as Arrow tables with the file's line numbers (a chunk may hold no rows: only
    the whole file's count decides that), or the reason to quarantine the whole file."""
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
    shift = chunk.line_offset
    errors = [LineError(e.line + shift, e.reason) for e in parsed.errors] if shift else parsed.errors
    return ParsedTables(tables, parsed.record_count, errors, time.monotonic() - started, verdict)


@dataclass
class FileJob:
    """One inbox file: its content hash and size (read by the parent), and its parse outcome on demand."""

    index: int
    path: Path
    sha: str
    size: int
    empty: bool
    _future: Future | None = None
    _parse: Parse | None = None
    _ctx: Any = None
    chunks: tuple[Chunk, ...] = ()  # more than one: the file is parsed in these chunks (see `parts`)
    _chunk_futures: dict[int, Future] = field(default_factory=dict)
    _chunks_sent: int = 0
    _pool_workers: int = 0

    @property
    def is_cut(self) -> bool:
        return len(self.chunks) > 1

    def outcome(self) -> ParsedTables | str:
        """The whole file's outcome (a file that is not cut)."""
        if self.empty:
            return "empty file"
        if self._future is not None:
            try:
                return self._future.result()
            except BrokenProcessPool:  # a worker died (e.g. out of memory): this file in-process instead
                log.warning("a parse worker died; %s and the files after it parse in-process", self.path.name)
                _reset_pool()
        assert self._parse is not None
        return parse_to_tables(self._parse, self.path, self._ctx)

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
                        yield future.result()
                        continue
                    except BrokenProcessPool:
                        log.warning("a parse worker died; %s parses on in-process", self.path.name)
                        _reset_pool()
                        self._pool_workers = 0
                        for pending in self._chunk_futures.values():
                            pending.cancel()
                        self._chunk_futures.clear()
                yield parse_chunk_to_tables(self._parse, self.path, chunk, self._ctx)
        finally:  # a chunk that condemns the file stops the reading: the chunks sent ahead are not needed
            for pending in self._chunk_futures.values():
                pending.cancel()
            self._chunk_futures.clear()


def _submit(workers: int, fn: Callable[..., Any], *args: Any) -> Future | None:
    """Submit to the pool; None when the pool is broken (the caller parses in-process)."""
    try:
        with _importable_main():
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
        # spawn, not fork: the parent holds DuckDB's threads and locks, which a forked child would inherit.
        _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        _POOL_SIZE = workers
    return _POOL


def _reset_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=False, cancel_futures=True)
        _POOL = None


def shutdown_pool() -> None:
    """Stop the parse workers (they otherwise idle, ~100 MB each, until this process exits)."""
    _reset_pool()


atexit.register(_reset_pool)


@contextlib.contextmanager
def _importable_main() -> Iterator[None]:
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
) -> Iterator[FileJob]:
    """Every file in order with its hash; parsing happens in `FileJob.outcome`/`parts` (in-process) or
    ahead in the pool. Files whose hash is in `known` when read are never sent to the pool.
    chunking: the chunk mode of a file (None: parse it whole); files over CHUNK_BYTES are then cut."""
    workers = worker_count() if workers is None else workers
    total = sum(p.stat().st_size for p in paths) if parallel else 0
    use_pool = (
        parallel
        and workers >= 2
        and total >= POOL_MIN_BYTES
        and (len(paths) >= 2 or (chunking is not None and total > CHUNK_BYTES))  # else nothing to share
    )
    pending: deque[FileJob] = deque()
    for index, path in enumerate(paths, start=1):
        mode = chunking(path) if chunking is not None else None
        scan = scan_file(path, mode, CHUNK_BYTES)
        job = FileJob(
            index, path, scan.sha, scan.size, scan.empty, _parse=parse, _ctx=ctx, chunks=scan.chunks
        )
        if not use_pool:
            yield job
            continue
        if not scan.empty and scan.sha not in known:
            job._pool_workers = workers
            if job.is_cut:
                job.submit_ahead(workers)  # the rest as its chunks are consumed
            else:
                # A broken pool leaves the job without a future: it is parsed in-process when consumed.
                job._future = _submit(workers, parse_to_tables, parse, path, ctx)
        pending.append(job)
        while len(pending) > workers * _AHEAD_PER_WORKER:
            yield pending.popleft()
    while pending:
        yield pending.popleft()
