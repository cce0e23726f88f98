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
import hashlib
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

from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, describe_line_errors

log = logging.getLogger(__name__)
WORKERS_ENV = "PTLEADS_INGEST_WORKERS"  # 0 or 1: always parse in-process
POOL_MIN_BYTES = 4_000_000  # smaller inboxes parse faster in-process than a pool starts
_AHEAD_PER_WORKER = 2  # files in flight per worker: enough to keep both busy, little memory


@dataclass
class ParsedTables:
    """A parsed file as Arrow tables keyed by raw table name (what a worker sends back)."""

    tables: dict[str, pa.Table] = field(default_factory=dict)
    records: int = 0
    errors: list[LineError] = field(default_factory=list)
    parse_s: float = 0.0


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

    def outcome(self) -> ParsedTables | str:
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


def _read_hash(path: Path) -> tuple[str, int, bool]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data), not data.strip()


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
) -> Iterator[FileJob]:
    """Every file in order with its hash; parsing happens in `FileJob.outcome` (in-process) or ahead in
    the pool. Files whose hash is in `known` when read are never sent to the pool."""
    workers = worker_count() if workers is None else workers
    use_pool = (
        parallel
        and workers >= 2
        and len(paths) >= 2
        and sum(p.stat().st_size for p in paths) >= POOL_MIN_BYTES
    )
    if not use_pool:
        for index, path in enumerate(paths, start=1):
            sha, size, empty = _read_hash(path)
            yield FileJob(index, path, sha, size, empty, _parse=parse, _ctx=ctx)
        return
    pool = _pool(workers)
    pending: deque[FileJob] = deque()
    for index, path in enumerate(paths, start=1):
        sha, size, empty = _read_hash(path)
        job = FileJob(index, path, sha, size, empty, _parse=parse, _ctx=ctx)
        if not empty and sha not in known:
            # A broken pool leaves the job without a future: it is parsed in-process when consumed.
            with contextlib.suppress(BrokenProcessPool), _importable_main():
                job._future = pool.submit(parse_to_tables, parse, path, ctx)
        pending.append(job)
        while len(pending) > workers * _AHEAD_PER_WORKER:
            yield pending.popleft()
    while pending:
        yield pending.popleft()
