"""Arrow tables handed from a parse worker to the parent through files in shared memory (/dev/shm).

A result returned through the pool is pickled by the worker, written through a pipe in 64 kB pieces,
gathered and copied again by the parent's result thread and unpickled into fresh buffers: copies, page
faults and task switches on the ingest's one serial core (20 tasks sending 21 MB of 271 rows at once:
0.12-0.19 parent CPU-s; in the 100k lone runs ~0.01-0.03 CPU-s of the parent's ~0.25-0.35 a source).
Written by the worker as an Arrow IPC file in RAM-backed /dev/shm instead, the table reaches the parent
by a memory map (no copy: 0.01-0.02 CPU-s for the same 21 MB at once), and the parent unlinks the file as
soon as it is mapped (the pages live until the table is freed).

Files are named for the process that owns the pool (the parent): a file it never took (a chunk's result
dropped after the file was quarantined, an ingest that failed) is removed when that result is dropped,
when the parent exits, or by the next pool started on the machine once the owner is gone (a parent
killed with -9). Where /dev/shm is missing or not writable the tables are pickled as before.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

SHARED_DIR = Path("/dev/shm")
PREFIX = "ptleads-ingest-"
SHARED_ENV = "PTLEADS_INGEST_SHARED_TABLES"  # "0": results through the pool's pipe (pickled)
_numbers = itertools.count()


@dataclass(frozen=True)
class SharedTable:
    """A table a worker wrote to `path` (an Arrow IPC file), for the parent to map (`take`)."""

    path: str


def usable() -> bool:
    """Whether workers may hand tables over through SHARED_DIR (checked in the parent)."""
    if os.environ.get(SHARED_ENV, "1") == "0":
        return False
    return SHARED_DIR.is_dir() and os.access(SHARED_DIR, os.W_OK | os.X_OK)


def put(tables: dict[str, pa.Table], owner: int) -> dict[str, pa.Table | SharedTable]:
    """In a worker: each table written to a file of `owner` (the parent's pid); a table that cannot be
    written (shared memory full) is returned as it is, to be pickled."""
    out: dict[str, pa.Table | SharedTable] = {}
    for name, table in tables.items():
        path = SHARED_DIR / f"{PREFIX}{owner}-{os.getpid()}-{next(_numbers)}.arrow"
        try:
            with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        except OSError:
            with contextlib.suppress(OSError):
                path.unlink()
            out[name] = table
            continue
        out[name] = SharedTable(str(path))
    return out


def take(tables: dict[str, pa.Table | SharedTable]) -> dict[str, pa.Table]:
    """In the parent: the tables, shared ones mapped (zero-copy) and their files unlinked at once."""
    out: dict[str, pa.Table] = {}
    try:
        for name, table in tables.items():
            if isinstance(table, SharedTable):
                with pa.memory_map(table.path) as source:
                    table = ipc.open_file(source).read_all()  # the buffers keep the mapping alive
            out[name] = table
    finally:
        discard(tables)
    return out


def discard(tables: dict[str, pa.Table | SharedTable]) -> None:
    """Remove the files of tables never taken (or just taken)."""
    for table in tables.values():
        if isinstance(table, SharedTable):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(table.path)


def sweep(own: bool = False) -> None:
    """Remove the files of owners no longer running (and this process's own, `own`: at exit)."""
    if not SHARED_DIR.is_dir():
        return
    me = os.getpid()
    with contextlib.suppress(OSError), os.scandir(SHARED_DIR) as entries:
        for entry in entries:
            if not entry.name.startswith(PREFIX):
                continue
            owner = entry.name[len(PREFIX) :].partition("-")[0]
            if not owner.isdigit():
                continue
            if (int(owner) == me and own) or (int(owner) != me and not _running(int(owner))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


atexit.register(sweep, own=True)
