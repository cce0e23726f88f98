"""`ptleads run`: materialise every asset once, in dependency order, in-process (dbt runs once per phase)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.ingest import ingest_ahead, parse_pool
from orchestration.settings import Settings
from orchestration.transform.dbt_warm import WARM_DBT_ENV, warm_dbt


class PipelineError(RuntimeError):
    """The run failed; the message is a one-line cause without PHI."""


def _summary(settings: Settings, seconds: float) -> str:
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    try:
        leads, open_leads = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('new', 'contacted', 'verified')) "
            "FROM marts.fct_leads"
        ).fetchone()
        # marts.call_list is the engine's (orchestration/actions); waitlist offers are next actions too.
        calls = con.execute("SELECT count(*) FROM marts.call_list").fetchone()[0]
        offers = con.execute(
            "SELECT count(*) FROM marts.next_actions WHERE starts_with(rule, 'waitlist:')"
        ).fetchone()[0]
        files = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'quarantined') FROM raw.ingest_log"
        ).fetchone()
    finally:
        con.close()
    return (
        f"as of {settings.as_of.isoformat()}: {leads} leads ({open_leads} open), {calls} on the call list, "
        f"{offers} waitlist offers; "
        f"{files[0]} files ingested so far ({files[1]} quarantined); "
        f"published {settings.snapshot} in {seconds:.1f}s"
    )


# The parse workers start ahead only for a long history (the test of that threshold imports these names here).
LONG_HISTORY_FILES = ingest_ahead.LONG_HISTORY_FILES
_long_history = ingest_ahead.long_history
# In the warehouse's logs folder: the inbox folders as the last successful run began.
INBOX_STAMP = "inbox_folders.json"


def inbox_folders(inbox: Path) -> dict[str, int]:
    """Each inbox folder's modification time (ns): a file landed in, moved into or removed from a folder
    changes it (a file rewritten in place does not)."""
    folders: dict[str, int] = {}
    with contextlib.suppress(OSError), os.scandir(inbox) as entries:
        for entry in entries:
            if entry.is_dir():
                folders[entry.name] = entry.stat().st_mtime_ns
    return folders


def nothing_landed(inbox: Path, stamp: Path) -> tuple[bool, dict[str, int]]:
    """(no inbox folder changed since the last successful run began, the folders now). A guess, used only to
    leave the parse workers unstarted: a run whose files were all ingested before used to start them at 1M
    leads (two interpreters importing the parsers, ~2 CPU-s beside the definitions' load) for nothing. A
    file changed in place is still ingested; its workers then start when its source needs them."""
    now = inbox_folders(inbox)
    try:
        before = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False, now
    return before == now, now


def _first_failure(result) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            err = event.step_failure_data.error
            while err.cause is not None and "dagster" in (err.cls_name or "").lower():
                err = err.cause
            message = (
                (err.message or err.cls_name or "").strip().splitlines()[0] if err.message else err.cls_name
            )
            return f"step {event.step_key} failed: {message}"
    return "run failed"


def run_pipeline(settings: Settings, progress: Callable[[str], None]) -> str:
    """Ingest every inbox source, load ref, dbt phase 1, score, dbt phase 2, the 270 outbox and the actions
    (call list), then the score drift report and the SLA table, publish. Returns a summary."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DAGSTER_HOME", str(settings.warehouse.parent / ".dagster_home"))
    os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)
    started = time.monotonic()
    log_dir = settings.warehouse.parent / "logs"
    log_dir.mkdir(exist_ok=True)
    stamp = log_dir / INBOX_STAMP
    unchanged, folders = nothing_landed(settings.inbox, stamp)
    # Not when nothing landed: the child's own start (~0.9 CPU-s of imports) would then cost more than
    # the ingest step finding nothing new itself (100k leads: ~0.1 CPU-s of stats and lookups).
    ahead = not unchanged and ingest_ahead.wanted(settings.inbox)
    if ahead:
        # The ingest runs in a child process from now on, while Dagster and the definitions load and the
        # run starts (seconds of one core); the ingest step then reports its outcome (see ingest_ahead).
        ingest_ahead.start(
            settings.inbox, settings.warehouse, settings.config_dir, settings.duckdb_memory_limit
        )
    # before Dagster and dbt load (see scipy_first), while the ingest started ahead holds the other core
    import orchestration.scipy_first  # noqa: F401

    # isort: split
    from dagster import DagsterInstance, materialize

    from orchestration.resources import set_progress_hook, settings_env

    def timed_progress(message: str) -> None:
        progress(f"[{time.monotonic() - started:6.1f}s] {message}")

    set_progress_hook(timed_progress)
    timed_progress(f"run as of {settings.as_of.isoformat()}: inbox {settings.inbox}")
    log_path = log_dir / f"run_{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    if not ahead and not unchanged and _long_history(settings.inbox):
        parse_pool.start_workers()  # they start while the definitions load (see _long_history)
    try:
        from orchestration.definitions import ALL_ASSETS, build_resources  # parses dbt once if needed

        # dagster-dbt echoes every dbt event to stdout; keep them in a run log, not in the CLI output.
        # dbt's imports happen beside the ingest step, instead of at the start of each dbt phase (dbt_warm);
        # not earlier: while the definitions load, this process and the ingest started ahead hold both cores.
        with (
            warm_dbt(enabled=os.environ.get(WARM_DBT_ENV, "1") != "0"),
            settings_env(settings),
            open(log_path, "w", encoding="utf-8") as log,
            contextlib.redirect_stdout(log),
        ):
            result = materialize(
                ALL_ASSETS,
                resources=build_resources(settings),
                instance=DagsterInstance.ephemeral(),
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
            )
    except Exception as exc:  # definition errors, config errors raised before any step runs
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        raise PipelineError(f"{type(exc).__name__}: {first_line}") from exc
    finally:
        ingest_ahead.finish()  # a run that failed before its ingest step still waits for the child
        set_progress_hook(None)
    if not result.success:
        raise PipelineError(f"{_first_failure(result)} (details: {log_path})")
    stamp.write_text(json.dumps(folders, sort_keys=True), encoding="utf-8")
    return _summary(settings, time.monotonic() - started)
