"""Parse a group of small files as one task: each file's outcome kept apart, their rows in one table each.

An inbox of many small files (HL7 v2 exports: ~80 messages a file, 60,000 files at 1M leads) paid per file
for the pool's task and result pickling, for a pa.array call per column, and in the parent for a table per
file to concatenate. A group is parsed file by file exactly as a lone file is (the same quarantine reasons),
then the rows of its good files are converted to Arrow together, file after file, with their `source_file`
column. The parent hands each file its own RowSpan of those tables, so batches, the ingest log and crash
safety still work per file: a bad file never takes its neighbours with it.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from orchestration.ingest import shared_tables
from orchestration.ingest.file_chunks import ReadPath
from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.records import (
    LineError,
    ParsedFile,
    QuarantineFile,
    RawTable,
    describe_line_errors,
)

SOURCE_FILE = pa.field("source_file", pa.string())


@dataclass(frozen=True)
class RowSpan:
    """Rows [start, start + length) of a table (a group's rows of one raw table, or one file's table)."""

    table: pa.Table
    start: int
    length: int

    def rows(self) -> pa.Table:
        if self.start == 0 and self.length == self.table.num_rows:
            return self.table
        return self.table.slice(self.start, self.length)

    def follows(self, other: RowSpan) -> bool:
        return self.table is other.table and self.start == other.start + other.length


@dataclass
class FileRows:
    """A good file of a group: its counts, line errors and rows per raw table (in the group's tables)."""

    records: int
    errors: list[LineError]
    parse_s: float
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class GroupTables:
    """What a group task sends back: one table per raw table (good files' rows in file order, with
    source_file) and per file its FileRows or the reason to quarantine it."""

    tables: dict[str, pa.Table]  # (shared_tables.SharedTable on the way from a worker to the parent)
    files: list[FileRows | str]
    busy: tuple[int, float, float] = (0, 0.0, 0.0)  # (pid, start, end) of the task: ingest_timeline
    scans: list[FileScanned] | None = None  # each file's hash, when the task read the files (`hashes`)


@dataclass(frozen=True)
class FileScanned:
    """What the parent's file_chunks.scan_file tells of a file that is not cut: read once by the worker
    that parses it."""

    sha: str
    size: int
    empty: bool  # nothing but whitespace: never parsed ("empty file")


Parse = Callable[[Path, Any], ParsedFile]


def failure_reason(exc: Exception) -> str:
    """The quarantine reason of an exception a parse raised. Unexpected errors give only their type (the
    message may hold PHI)."""
    if isinstance(exc, QuarantineFile):
        return str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (bad byte at offset {exc.start})"
    return f"parser failed: {type(exc).__name__}"


def parse_one(parse: Parse, path: Path, ctx: Any) -> ParsedFile | str:
    """A file's parsed rows (at least one record), or the reason to quarantine it."""
    try:
        parsed = parse(path, ctx)
    except Exception as exc:
        return failure_reason(exc)
    if parsed.record_count == 0:
        errors = f"; {describe_line_errors(parsed.errors)}" if parsed.errors else ""
        return "no usable records" + errors
    return parsed


def parse_group(
    parse: Parse, paths: list[Path], ctx: Any, owner: int = 0, hashes: bool = False
) -> GroupTables:
    """Every file of the group parsed in order (see the module doc); never raises for a bad file. owner:
    in a worker, the parent's pid when the tables go back through shared memory (shared_tables). hashes:
    each file read once here, hashed (`scans`) and parsed from those bytes; an empty one is not parsed."""
    task_started = time.monotonic()
    scans: list[FileScanned] | None = [] if hashes else None
    with gc_paused():  # as parse_to_tables: generational GC over acyclic records costs more than the work
        parsed: list[ParsedFile | str] = []
        seconds: list[float] = []
        for path in paths:
            started = time.monotonic()
            if scans is not None:
                scan, path = _read_once(path)
                scans.append(scan)
                if scan.empty:
                    parsed.append("empty file")
                    seconds.append(time.monotonic() - started)
                    continue
            parsed.append(parse_one(parse, path, ctx))
            seconds.append(time.monotonic() - started)
        started = time.monotonic()
        try:
            tables = _group_tables(parsed, paths)
        except Exception:  # a value Arrow cannot store: find its file (quarantined), keep the others
            tables = _tables_file_by_file(parsed, paths)
        convert_s = time.monotonic() - started
        total_rows = sum(p.record_count for p in parsed if not isinstance(p, str)) or 1
        files: list[FileRows | str] = []
        for p, parse_s in zip(parsed, seconds, strict=True):
            if isinstance(p, str):
                files.append(p)
                continue
            rows = {table.name: len(r) for table, r in p.rows.items() if len(r)}
            share = convert_s * p.record_count / total_rows
            files.append(FileRows(p.record_count, p.errors, parse_s + share, rows))
        # Freed by reference counting while the GC is still off: once it is on again, its first pass would
        # walk every row object still alive (measured ~10% of an HL7 v2 group's time).
        del parsed
    ended = time.monotonic()
    if owner:
        tables = shared_tables.put(tables, owner)  # type: ignore[assignment]
    return GroupTables(tables, files, (os.getpid(), task_started, ended), scans)


def _read_once(path: Path) -> tuple[FileScanned, Path]:
    """The file's hash, size and emptiness, and a path whose read_bytes gives the bytes hashed (every
    parser reads its file through path.read_bytes(): the file is read once, and parsed as hashed)."""
    data = path.read_bytes()
    view = ReadPath(path)
    view._data = data
    # `not data.strip()`, as file_chunks.scan_file tests each block, without copying the file
    return FileScanned(hashlib.sha256(data).hexdigest(), len(data), not data or data.isspace()), view


def _group_tables(parsed: list[ParsedFile | str], paths: list[Path]) -> dict[str, pa.Table]:
    by_table: dict[RawTable, list[tuple[int, Any]]] = {}
    for number, p in enumerate(parsed):
        if isinstance(p, str):
            continue
        for table, rows in p.rows.items():
            if len(rows):
                by_table.setdefault(table, []).append((number, rows))
    out = {}
    for table, parts in by_table.items():
        rows = table.to_arrow_parts([r for _, r in parts])
        names = pa.array([paths[n].name for n, _ in parts], pa.string())
        which = np.repeat(np.arange(len(parts), dtype=np.int32), [len(r) for _, r in parts])
        out[table.name] = rows.append_column(SOURCE_FILE, names.take(pa.array(which)))
    return out


def _tables_file_by_file(parsed: list[ParsedFile | str], paths: list[Path]) -> dict[str, pa.Table]:
    """The slow path of a group whose rows did not convert together: each file's rows alone, and a file
    whose rows do not convert becomes a quarantine reason in `parsed` (as a lone file's would)."""
    pieces: dict[str, list[pa.Table]] = {}
    for number, p in enumerate(parsed):
        if isinstance(p, str):
            continue
        try:
            tables = {table.name: table.to_arrow(rows) for table, rows in p.rows.items() if len(rows)}
        except Exception as exc:
            parsed[number] = failure_reason(exc)
            continue
        for name, rows in tables.items():
            pieces.setdefault(name, []).append(
                rows.append_column(SOURCE_FILE, pa.repeat(paths[number].name, rows.num_rows))
            )
    return {name: pa.concat_tables(parts).combine_chunks() for name, parts in pieces.items()}
