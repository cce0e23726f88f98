"""Dagster resources: the settings object and the single DuckDB writer (a file lock beside the warehouse)."""

from __future__ import annotations

import atexit
import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from orchestration.settings import Settings, parse_as_of
from orchestration.warehouse_lock import warehouse_lock

_progress_hook: Callable[[str], None] | None = None


def set_progress_hook(hook: Callable[[str], None] | None) -> None:
    """`run_pipeline` installs its progress callback here; assets report through `progress()`."""
    global _progress_hook
    _progress_hook = hook


# Op tags of the steps a run takes after its call list (the score drift report, the SLA table): Dagster's
# in-process executor runs the ready step of the highest priority first (default 0), so the actions engine
# and the call list go before them; publish depends on them and still comes last.
AFTER_CALL_LIST = {"dagster/priority": "-1"}


def progress(message: str) -> None:
    if _progress_hook is not None:
        _progress_hook(message)


class PtleadsSettings(ConfigurableResource):
    """The Settings paths as resource config (strings, so Dagster can show and override them).

    `as_of` empty means "when the run started": one as-of for every step of a run, taken per run. The
    Dagster code location (schedules, sensors, the UI) loads its definitions once and keeps them for days:
    an as-of fixed when they loaded would make every later morning's run compute yesterday's lists."""

    inbox: str
    warehouse: str
    config_dir: str
    as_of: str = ""
    _run_as_of: str = PrivateAttr(default="")

    @classmethod
    def from_settings(cls, settings: Settings, *, as_of_per_run: bool = False) -> PtleadsSettings:
        return cls(
            inbox=str(settings.inbox),
            warehouse=str(settings.warehouse),
            config_dir=str(settings.config_dir),
            as_of="" if as_of_per_run else settings.as_of.isoformat(),
        )

    def setup_for_execution(self, context: InitResourceContext) -> None:
        if not self.as_of:
            self._run_as_of = _run_started(context).isoformat()

    def to_settings(self) -> Settings:
        return Settings().with_overrides(
            inbox=self.inbox,
            warehouse=self.warehouse,
            config_dir=self.config_dir,
            as_of=parse_as_of(self.as_of or self._run_as_of or None),
        )


def _run_started(context: InitResourceContext) -> datetime:
    """The run's creation time from the instance's run record (the same in every step's process); now when
    there is no record (a resource built outside a run)."""
    with contextlib.suppress(Exception):  # no instance / run record: fall back to now
        record = context.instance.get_run_record_by_id(context.run_id)
        if record is not None:
            return record.create_timestamp.astimezone(UTC).replace(microsecond=0)
    return datetime.now(UTC).replace(microsecond=0)


# Per warehouse file: the connection a `connect(keep_open=True)` left open, with the writer lock it holds.
_held: dict[Path, tuple[duckdb.DuckDBPyConnection, contextlib.ExitStack]] = {}


def release_warehouse(path: Path | None = None) -> None:
    """Close the connection `connect(keep_open=True)` left open for `path` (every one when None) and release
    its writer lock. The run's teardown, `locked()` and the interpreter's exit call it."""
    for key in [k for k in _held if path is None or k == path]:
        con, lock = _held.pop(key)
        try:
            con.close()
        finally:
            lock.close()


atexit.register(release_warehouse)


class WarehouseResource(ConfigurableResource):
    """Every write to the warehouse goes through here: one lock, one connection at a time.

    The day's tail (SLA, waitlist, 270 outbox, next actions, call list, publish) is six steps of a few
    statements each; opening the warehouse and checkpointing it on close took ~0.085 s per step at 100k
    leads (open ~0.04 s, close ~0.045 s after a write) and ~1.2 s of the 1M day's tail in all. A step that
    knows another warehouse step follows in the same process asks for `connect(keep_open=True)`: its
    connection (and the writer lock) stays open and the next `connect()` hands it along; a plain `connect()`
    closes it when done, `locked()` (dbt, its own process) closes it first, and so does the run's teardown (a
    run's resources are torn down when it ends: in-process, after its last step; in a process per step,
    after that step)."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        release_warehouse(Path(os.path.realpath(self.file)))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the writer lock without a connection (for dbt, which opens the file itself)."""
        release_warehouse(Path(os.path.realpath(self.file)))
        with warehouse_lock(self.file):
            yield

    @contextmanager
    def connect(self, *, keep_open: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The writer connection (the one a `keep_open` step left, else a new one under the lock). Closed on
        exit unless `keep_open` and the block succeeded: a failed step never hands its connection along."""
        key = Path(os.path.realpath(self.file))  # one key per file, however the path is spelled
        held = _held.pop(key, None)
        if held is None:
            lock = contextlib.ExitStack()
            lock.enter_context(warehouse_lock(self.file))
            try:
                # Settings() reads PTLEADS_DUCKDB_MEMORY_LIMIT, which settings_env exports for the run.
                con = duckdb.connect(str(self.file), config=Settings().duckdb_config())
            except BaseException:
                lock.close()
                raise
        else:
            con, lock = held
        kept = False
        try:
            yield con
            kept = keep_open
        finally:
            if kept:
                _held[key] = (con, lock)
            else:
                try:
                    con.close()
                finally:
                    lock.close()


@contextmanager
def settings_env(settings: Settings) -> Iterator[None]:
    """PTLEADS_* in the environment for the duration of one run: dbt's profiles.yml, its Python models
    and other child processes read the run's paths and as-of from there. Restored afterwards, so a
    long-lived process (Dagster, the test runner, the app) never carries one run's as-of into the next."""
    exported = settings.export_env()
    saved = {name: os.environ.get(name) for name in exported}
    os.environ.update(exported)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
