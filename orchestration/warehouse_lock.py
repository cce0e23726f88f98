"""The warehouse's writer lock, importable without Dagster (the ingest started ahead of a run takes it)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
