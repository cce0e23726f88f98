"""Inbox files already ingested, recognised by (name, size, mtime) without being read again.

Exports stay in the inbox after ingestion and a file is ingested once by content hash, so every run used
to read and hash the whole history again: at 1M leads a daily run spent ~65 s re-hashing 10 GB of files it
had seen (59,864 HL7 v2 files, 1.5 GB FHIR bulk files). A file whose name, size and modification time
(nanoseconds) equal what was recorded when its content was last hashed, and whose content is logged as
ingested, is skipped unread (rsync's quick check). Anything else is read and hashed as before, so a
missing or stale record only costs the read. The stat recorded is the one taken *before* the read: a file
changed while it was read no longer matches and is read again next time. The records live in their own
schema, `ingest_cache`: not warehouse data (no lineage, machine-specific mtimes), safe to drop at any time."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa

FILE_STATS_DDL = """
CREATE SCHEMA IF NOT EXISTS ingest_cache;
CREATE TABLE IF NOT EXISTS ingest_cache.file_stats (
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL,
    PRIMARY KEY (source, file)
)
"""

Stat = tuple[int, int]


def _stat(path: Path) -> Stat | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def unread_files(
    con: duckdb.DuckDBPyConnection, source: str, paths: list[Path], done: set[str]
) -> tuple[list[Path], int, dict[Path, Stat]]:
    """(the paths to read, how many were skipped unread, the stat of each path to read, taken now)."""
    con.execute(FILE_STATS_DDL)
    known = {
        file: (size, mtime, sha)
        for file, size, mtime, sha in con.execute(
            "SELECT file, bytes, mtime_ns, sha256 FROM ingest_cache.file_stats WHERE source = ?", [source]
        ).fetchall()
    }
    to_read: list[Path] = []
    stats: dict[Path, Stat] = {}
    skipped = 0
    for path in paths:
        stat = _stat(path)
        seen = known.get(path.name)
        if stat is not None and seen is not None and seen[2] in done and stat == seen[:2]:
            skipped += 1
            continue
        to_read.append(path)
        if stat is not None:
            stats[path] = stat
    return to_read, skipped, stats


def record_files(
    con: duckdb.DuckDBPyConnection, source: str, hashed: list[tuple[Path, str]], stats: dict[Path, Stat]
) -> None:
    """Remember the pre-read stat of files whose content is now logged as ingested (after their commit)."""
    rows = [(path.name, *stats[path], sha) for path, sha in hashed if path in stats]
    if not rows:
        return
    names, sizes, mtimes, shas = zip(*rows, strict=True)
    table = pa.table(
        {
            "source": [source] * len(rows),
            "file": list(names),
            "bytes": pa.array(sizes, pa.int64()),
            "mtime_ns": pa.array(mtimes, pa.int64()),
            "sha256": list(shas),
        }
    )
    con.register("ptleads_file_stats", table)
    try:
        con.execute("INSERT OR REPLACE INTO ingest_cache.file_stats SELECT * FROM ptleads_file_stats")
    finally:
        con.unregister("ptleads_file_stats")
