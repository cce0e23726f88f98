"""`ptleads run`'s ingest, started in a child process the moment the run starts.

Before its ingest step can run, a run spends seconds of one core in start-up: importing the definitions
(Dagster, dagster-dbt and dbt-core, the parsers) and creating the Dagster run (h61: ~3.6 CPU-s; at 1M leads
the ingest step began ~5 s into the run). The ingest needs none of it, so `run_pipeline` starts it here at
once, in a process of its own (a thread would share the start-up's GIL: every file stat or DuckDB call
would wait for it), and the ingest step then only waits for the outcome, reports it and counts the raw
tables. What is written is exactly ingest_sources' (every source, the same transactions, under the same
warehouse lock), so crash safety and "once per content hash" are unchanged.

When: PTLEADS_INGEST_AHEAD=1 always, 0 never; unset, for an inbox with a long history (LONG_HISTORY_FILES:
100k and 1M leads, not tests or a small practice, whose ingest is too short to gain from a child that costs
~0.9 CPU-s of imports). run_pipeline never starts it when no inbox folder changed (nothing to ingest). A
landing under IN_PROCESS_BYTES (a 1M-lead day too) parses in the child without parse workers. 100k-lead
day, interleaved at load 19-21 (h94): the ingest reported at 22.0-23.6 s vs 23.2-23.8 s in the step, whole
run to dbt phase 1 6.66-6.95 vs 7.61-7.75 CPU-s (the step's ingest starts 2 workers, ~1.3 CPU-s, for a
2.7 MB day); 1M day, quiet, the child then still with workers (bea374e): sources reported at 6.58 s vs
7.02. Session 11's loss (1.7 s at load 9, 20k leads, nothing new) was a run with nothing landed, which now
ingests in its step. Dagster's own schedules and sensors always ingest in the step.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

AHEAD_ENV = "PTLEADS_INGEST_AHEAD"

# Inbox files (of every source, old ones too) from which the ingest starts the parse workers before anything
# else: a practice with this much history lands megabytes a day, enough for the pool (1M leads: a day's FHIR
# alone is 9.8 MB, and its first pooled source paid the workers' start, ~1 s). A small inbox (tests, a first
# run of a small practice) never pays for workers it would not use.
LONG_HISTORY_FILES = 2_000
# Landed bytes under which the ingest started ahead parses in this process, without parse workers. It runs
# while the run's own start-up (~3.5-4 CPU-s of Dagster, dbt and the definitions) holds one of the 2 cores:
# workers would share the other core with this process and pay ~0.6 CPU-s each of interpreter and parser
# imports first. Measured at load 14-17 (h94): a 17 MB landing of 53k records (FHIR 10 MB, 300 HL7 v2
# files 8.6 MB, email, calls, eligibility; a 1M-lead day is ~52k records, ~27 MB) ingested in 1.0 CPU-s
# here (whole process 2.0, wall 7.0-8.7 s) against 0.4 + ~3 in 2 workers (3.4 CPU-s, wall 11.6-11.9 s);
# a 100k-lead day (2.7 MB) in ~0.4 CPU-s. Past ~48 MB (~3 CPU-s) the workers come back: the start-up
# would be over before this process.
IN_PROCESS_BYTES = 48_000_000


def long_history(inbox: Path) -> bool:
    """At least LONG_HISTORY_FILES files in the inbox folders (counted from directory entries, no stat)."""
    count = 0
    with contextlib.suppress(OSError):
        for folder in os.scandir(inbox):
            if folder.is_dir():
                with os.scandir(folder.path) as entries:
                    count += sum(1 for _ in entries)
            if count >= LONG_HISTORY_FILES:
                return True
    return False


@dataclass(frozen=True)
class AheadJob:
    """What the child needs (plain paths: no Settings, whose defaults read the parent's environment)."""

    inbox: Path
    warehouse: Path
    quarantine: Path
    config_dir: Path
    duckdb_memory_limit: str
    parent: int  # the run's process id: the child ends if the run is killed (see _exit_with_parent)


@dataclass
class AheadOutcome:
    """The child's reports (SourceReport per source, in SOURCES order), its progress lines in order, and the
    failure that ended it (type and first line, as a failing step shows it), if any."""

    reports: list = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    error: str | None = None


class IngestAheadError(RuntimeError):
    """The ingest started ahead of the run failed; the message is the child's exception type and line."""


def wanted(inbox: Path) -> bool:
    """PTLEADS_INGEST_AHEAD=1: yes; 0: no; unset (or anything else): for a long history."""
    setting = os.environ.get(AHEAD_ENV, "")
    if setting in ("0", "1"):
        return setting == "1"
    return long_history(inbox)


def _ingest(job: AheadJob, conn: Connection) -> None:
    """Child process: every source into the warehouse, the outcome sent back on `conn`."""
    _exit_with_parent(job.parent)
    outcome = AheadOutcome()
    try:
        import duckdb

        from orchestration.ingest import parse_pool
        from orchestration.warehouse_lock import warehouse_lock

        parse_pool.without_pandas()  # this process only ingests: pandas would be 0.22 CPU-s for nothing
        try:
            with warehouse_lock(job.warehouse):
                con = duckdb.connect(str(job.warehouse), config={"memory_limit": job.duckdb_memory_limit})
                try:
                    # Workers (if any) start before this process imports the parsers and reads the
                    # profiles (~0.4 CPU-s): they import theirs meanwhile.
                    workers = _workers(con, job.inbox, _inbox_folders(job.inbox))
                    from orchestration.ingest.framework import ParseContext, ingest_sources
                    from orchestration.ingest.profiles import load_profiles_for_ingest
                    from orchestration.ingest.sources import SOURCES

                    ctx = ParseContext(
                        config_dir=job.config_dir,
                        profiles=load_profiles_for_ingest(job.config_dir),
                        warehouse_dir=job.warehouse.parent,
                    )
                    outcome.reports = ingest_sources(
                        con,
                        SOURCES,
                        job.inbox,
                        job.quarantine,
                        ctx,
                        outcome.messages.append,
                        workers=workers,
                        finished=lambda report: outcome.messages.append(report.summary()),
                    )
                finally:
                    con.close()
        finally:
            # Waiting: a multiprocessing child joins its live child processes as it ends, before the pool's
            # manager thread has told the workers to stop, and they wait for tasks for ever (a day at 100k
            # leads hung there, with the run waiting for this process: its workers had started).
            parse_pool.shutdown_pool(wait=True)
    except BaseException as exc:  # reported by the ingest step, as if it had raised there
        text = str(exc).strip().splitlines()
        outcome.error = f"{type(exc).__name__}: {text[0] if text else ''}"
    conn.send(outcome)
    conn.close()


def _inbox_folders(inbox: Path) -> list[str]:
    """The inbox's folders, sorted (the sources' names, known without importing their parsers; a folder no
    source reads only adds to the bytes counted)."""
    with contextlib.suppress(OSError), os.scandir(inbox) as entries:
        return sorted(entry.name for entry in entries if entry.is_dir())
    return []


def _workers(con: duckdb.DuckDBPyConnection, inbox: Path, sources: list[str]) -> int | None:
    """0 (parse in this process) for a landing under IN_PROCESS_BYTES; else None (the usual workers,
    started now for a long history: they start while this process opens the first sources)."""
    from orchestration.ingest import parse_pool
    from orchestration.ingest.file_stats import landed_bytes

    # Counted until past the bound (a first ingest of a long history is past it in its first folders).
    landed = landed_bytes(con, inbox, sources, limit=IN_PROCESS_BYTES)
    if landed is not None and landed < IN_PROCESS_BYTES:
        return 0
    if long_history(inbox):
        parse_pool.start_workers()
    return None


def _exit_with_parent(parent: int) -> None:
    """End this process when the run's process ends (killed with -9: nothing tells a child otherwise). Its
    open batch is then never committed, as when a run is killed while it ingests itself; its parse workers
    end with it (they watch this process the same way)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-run", daemon=True).start()


class IngestAhead:
    """The child running the ingest; `outcome` waits for it."""

    def __init__(self, job: AheadJob) -> None:
        self.job = job
        self._outcome: AheadOutcome | None = None
        context = multiprocessing.get_context("spawn")  # not fork: this process may hold DuckDB's threads
        self._conn, child_conn = context.Pipe(duplex=False)
        self._process = context.Process(target=_ingest, args=(job, child_conn), name="ptleads-ingest")
        # `_ingest` is imported by its module name: the child needs none of the parent's main script
        from orchestration.ingest.parse_pool import importable_main

        with importable_main():
            self._process.start()
        child_conn.close()

    def matches(self, inbox: Path, warehouse: Path, quarantine: Path, config_dir: Path) -> bool:
        job = self.job
        return (job.inbox, job.warehouse, job.quarantine, job.config_dir) == (
            inbox,
            warehouse,
            quarantine,
            config_dir,
        )

    def outcome(self) -> AheadOutcome:
        """The child's outcome (waits for it); an outcome saying how it ended if it died without one."""
        if self._outcome is None:
            try:
                self._outcome = self._conn.recv()
            except EOFError:  # killed (out of memory, a signal): its open batch was never committed
                self._outcome = AheadOutcome(error=f"ingest process ended with code {self._process.exitcode}")
            self._process.join()
            self._conn.close()
        return self._outcome


_RUNNING: IngestAhead | None = None


def start(inbox: Path, warehouse: Path, config_dir: Path, duckdb_memory_limit: str) -> None:
    """Start the ingest of every source now (run_pipeline, before its definitions load)."""
    global _RUNNING
    finish()
    quarantine = warehouse.parent / "quarantine"  # Settings.quarantine
    job = AheadJob(inbox, warehouse, quarantine, config_dir, duckdb_memory_limit, os.getpid())
    _RUNNING = IngestAhead(job)


def take(inbox: Path, warehouse: Path, quarantine: Path, config_dir: Path) -> IngestAhead | None:
    """The ingest started ahead for these paths, handed to one caller (the run's ingest step); None when
    there is none. One started for other paths is waited for (it holds the warehouse lock) and dropped."""
    global _RUNNING
    running, _RUNNING = _RUNNING, None
    if running is None:
        return None
    if running.matches(inbox, warehouse, quarantine, config_dir):
        return running
    running.outcome()
    return None


def finish() -> None:
    """Wait for an ingest started ahead that no step took (the run failed before its ingest step)."""
    global _RUNNING
    running, _RUNNING = _RUNNING, None
    if running is not None:
        running.outcome()
