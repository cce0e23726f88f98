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

FILE_STATS_TABLE = "ingest_cache.file_stats"
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


def known_stats(con: duckdb.DuckDBPyConnection, sources: list[str]) -> dict[str, dict[str, Stat]]:
    """Per source, the recorded (size, mtime) of each file name whose content is logged ok or partial: one
    query for every source of a run (one a source cost ~1-2 ms each of fixed cost, more under load)."""
    if not sources:
        return {}
    rows = con.execute(
        "SELECT source, file, bytes, mtime_ns FROM ingest_cache.file_stats WHERE source IN "
        f"({', '.join('?' for _ in sources)}) AND (source, sha256) IN (SELECT source, sha256 "
        "FROM raw.ingest_log WHERE status IN ('ok', 'partial'))",
        sources,
    ).fetchnumpy()
    out: dict[str, dict[str, Stat]] = {}
    for source in sources:
        mine = rows["source"] == source
        stats = zip(rows["bytes"][mine].tolist(), rows["mtime_ns"][mine].tolist(), strict=True)
        out[source] = dict(zip(rows["file"][mine].tolist(), stats, strict=True))
    return out


def unchanged_files(
    con: duckdb.DuckDBPyConnection,
    source: str,
    folder: Path,
    names: list[str],
    known: dict[str, Stat] | None = None,
) -> tuple[list[str], list[str], dict[str, Stat]]:
    """(the names to look at, the names skipped unread, the stat of each name to look at, taken now).

    Skipped: a file whose (size, mtime) equal those recorded when content now logged ok or partial was
    hashed. One stat per name relative to the folder and the comparison in a dict: a 1M-lead HL7 v2 inbox
    of 59,864 files used to cost ~1 CPU-s a run in Path objects, per-file stats and sets before any parse.
    The table exists (framework.ensure_raw_schema creates it with the raw tables). known: this source's
    known_stats, when already read."""
    if not names:
        return [], [], {}
    if known is None:
        known = known_stats(con, [source])[source]
    rest: list[str] = []
    skipped: list[str] = []
    stats: dict[str, Stat] = {}
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in names:
            try:
                st = os.stat(name, dir_fd=fd)
            except FileNotFoundError:  # gone since the listing: looked at (and found missing) later
                rest.append(name)
                continue
            stat = (st.st_size, st.st_mtime_ns)
            if known.get(name) == stat:
                skipped.append(name)
            else:
                rest.append(name)
                stats[name] = stat
    finally:
        os.close(fd)
    return rest, skipped, stats


def record_files(
    con: duckdb.DuckDBPyConnection, source: str, hashed: list[tuple[Path, str]], stats: dict[str, Stat]
) -> None:
    """Remember the pre-read stat of files whose content is now logged as ingested (after their commit)."""
    rows = [(path.name, *stats[path.name], sha) for path, sha in hashed if path.name in stats]
    if not rows:
        return
    # DuckDB list parameters, not an Arrow table: see ingest_commits.insert_log_rows (pyarrow's first
    # conversion of Python values imports pandas).
    names, sizes, mtimes, shas = (list(c) for c in zip(*rows, strict=True))
    con.execute(
        "INSERT OR REPLACE INTO ingest_cache.file_stats SELECT ?, unnest(?::VARCHAR[]), "
        "unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[])",
        [source, names, sizes, mtimes, shas],
    )


def landed_bytes(
    con: duckdb.DuckDBPyConnection, inbox: Path, sources: list[str], limit: int | None = None
) -> int | None:
    """Bytes of the inbox files the next ingest will read (those the quick check does not skip: new,
    changed or not yet logged), folder by folder in `sources` order, stopping once past `limit`; None
    before the first ingest (no file stats yet: everything is new). The same listing and stats as the
    ingest's (1M leads: ~0.2-0.3 CPU-s for 67k files when counted to the end), which then finds them in
    the kernel's caches."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'ingest_cache' AND table_name = 'file_stats'"
    ).fetchone()[0]
    if not exists:
        return None
    known = known_stats(con, sources)
    total = 0
    for source in sources:
        folder = inbox / source
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            names = [entry.name for entry in entries if entry.is_file() and not entry.name.startswith(".")]
        _rest, _skipped, stats = unchanged_files(con, source, folder, names, known[source])
        total += sum(size for size, _mtime in stats.values())
        if limit is not None and total >= limit:
            break
    return total
