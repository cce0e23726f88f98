"""Dagster resources: the settings object and the single DuckDB writer (a file lock beside the warehouse)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from orchestration.settings import Settings, parse_as_of

_progress_hook: Callable[[str], None] | None = None


def set_progress_hook(hook: Callable[[str], None] | None) -> None:
    """`run_pipeline` installs its progress callback here; assets report through `progress()`."""
    global _progress_hook
    _progress_hook = hook


def progress(message: str) -> None:
    if _progress_hook is not None:
        _progress_hook(message)


@contextmanager
def warehouse_lock(warehouse: Path) -> Iterator[None]:
    """Exclusive lock on `<warehouse>.lock`: DuckDB has one writer, so runs and publish queue here."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class PtleadsSettings(ConfigurableResource):
    """The Settings paths as resource config (strings, so Dagster can show and override them)."""

    inbox: str
    warehouse: str
    config_dir: str
    as_of: str

    @classmethod
    def from_settings(cls, settings: Settings) -> PtleadsSettings:
        return cls(
            inbox=str(settings.inbox),
            warehouse=str(settings.warehouse),
            config_dir=str(settings.config_dir),
            as_of=settings.as_of.isoformat(),
        )

    def to_settings(self) -> Settings:
        return Settings().with_overrides(
            inbox=self.inbox,
            warehouse=self.warehouse,
            config_dir=self.config_dir,
            as_of=parse_as_of(self.as_of),
        )


class WarehouseResource(ConfigurableResource):
    """Every write to the warehouse goes through here: one lock, one connection at a time."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the writer lock without a connection (for dbt, which opens the file itself)."""
        with warehouse_lock(self.file):
            yield

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse_lock(self.file):
            # Settings() reads PTLEADS_DUCKDB_MEMORY_LIMIT, which settings_env exports for the run.
            con = duckdb.connect(str(self.file), config=Settings().duckdb_config())
            try:
                yield con
            finally:
                con.close()


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
