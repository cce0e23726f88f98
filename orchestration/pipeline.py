"""`ptleads run`: materialise every asset once, in dependency order, in-process (dbt runs exactly twice)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from dagster import DagsterInstance, materialize

from orchestration.ingest import parse_pool
from orchestration.resources import set_progress_hook, settings_env
from orchestration.settings import Settings


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


# Inbox files (of every source, old ones too) from which a run starts the parse workers before loading its
# definitions: a practice with this much history lands megabytes a day, enough for the pool (1M leads: a
# day's FHIR alone is 9.8 MB, and its first pooled source paid the workers' start, ~1 s). A small inbox
# (tests, a first run of a small practice) never pays for workers it would not use.
LONG_HISTORY_FILES = 2_000


def _long_history(inbox: Path) -> bool:
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
    """Ingest every inbox source, load ref, dbt phase 1, score, dbt phase 2, publish. Returns a summary."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DAGSTER_HOME", str(settings.warehouse.parent / ".dagster_home"))
    os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)
    started = time.monotonic()

    def timed_progress(message: str) -> None:
        progress(f"[{time.monotonic() - started:6.1f}s] {message}")

    set_progress_hook(timed_progress)
    timed_progress(f"run as of {settings.as_of.isoformat()}: inbox {settings.inbox}")
    log_dir = settings.warehouse.parent / "logs"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / f"run_{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    if _long_history(settings.inbox):
        parse_pool.start_workers()  # they start while the definitions load (see _long_history)
    try:
        from orchestration.definitions import ALL_ASSETS, build_resources  # parses dbt once if needed

        # dagster-dbt echoes every dbt event to stdout; keep them in a run log, not in the CLI output.
        with (
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
        raise PipelineError(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
    finally:
        set_progress_hook(None)
    if not result.success:
        raise PipelineError(f"{_first_failure(result)} (details: {log_path})")
    return _summary(settings, time.monotonic() - started)
