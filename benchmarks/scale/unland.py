"""Undo the landing of the benchmark day on a scale warehouse: delete the day's raw rows, ingest-log and
file-stat entries and its inbox copies. Scale steps are one-shot (the day lands once); un-landing lets
the same large warehouse measure one new day again at another commit without re-ingesting history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb


@dataclass
class Unlanded:
    raw_rows: dict[str, int] = field(default_factory=dict)
    log_rows: int = 0
    stat_rows: int = 0
    inbox_files: int = 0
    day_files: int = 0
    run_output_rows: dict[str, int] = field(default_factory=dict)


def unland_day(work: Path, since: datetime, memory_limit: str = "6GB") -> Unlanded:
    """Remove every trace of work/day_inbox's files from work/wh/warehouse.duckdb and work/inbox, and what
    runs as of `since` (the day's morning) or later wrote."""
    day_inbox = work / "day_inbox"
    names = sorted(p.relative_to(day_inbox) for p in day_inbox.rglob("*") if p.is_file())
    out = Unlanded(day_files=len(names))
    con = duckdb.connect(str(work / "wh" / "warehouse.duckdb"), config={"memory_limit": memory_limit})
    try:
        con.execute("create temp table day_files(name varchar)")
        con.executemany("insert into day_files values (?)", [[p.name] for p in names])
        tables = con.execute(
            "select table_name from duckdb_columns() where column_name = 'source_file' "
            "and schema_name = 'raw' and not internal group by all order by 1"
        ).fetchall()
        for (table,) in tables:
            deleted = con.execute(
                f"delete from raw.{table} where source_file in (select name from day_files)"
            ).fetchone()[0]
            if deleted:
                out.raw_rows[table] = deleted
        out.log_rows = con.execute(
            "delete from raw.ingest_log where file in (select name from day_files)"
        ).fetchone()[0]
        has_stats = con.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'ingest_cache' and table_name = 'file_stats'"
        ).fetchone()[0]
        if has_stats:  # warehouses ingested before the file-stat cache have none
            out.stat_rows = con.execute(
                "delete from ingest_cache.file_stats where file in (select name from day_files)"
            ).fetchone()[0]
        out.run_output_rows = drop_run_outputs(con, since)
    finally:
        con.close()
    out.inbox_files = unland_inbox(work)
    drop_outbox_files(work, since)
    return out


def drop_outbox_files(work: Path, since: datetime) -> int:
    """The 270 files of runs as of `since` or later (named 270_<as-of, UTC>.x12), beside their rows."""
    stamp = since.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    files = [p for p in (work / "wh" / "outbox").rglob("270_*.x12") if p.stem.removeprefix("270_") >= stamp]
    for path in files:
        path.unlink()
    return len(files)


# What a pipeline run writes to raw itself (not from the inbox), with the column holding that run's as-of.
RUN_OUTPUTS = {"eligibility_inquiries_sent": "sent_at", "tracking_tokens": "created_at"}


def drop_run_outputs(con: duckdb.DuckDBPyConnection, since: datetime) -> dict[str, int]:
    """Delete the rows runs as of `since` or later wrote (270 inquiries sent, tracking tokens): a warehouse
    as of the day before has none, and left in place they make the re-measured day send no inquiries and
    mint no tokens (sessions 9 and 10 measured the 1M day that way before this)."""
    deleted: dict[str, int] = {}
    for table, column in RUN_OUTPUTS.items():
        exists = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = ?", [table]
        ).fetchone()[0]
        if exists:
            naive = since.astimezone(UTC).replace(tzinfo=None)  # the columns are UTC timestamps
            deleted[table] = con.execute(f"delete from raw.{table} where {column} >= ?", [naive]).fetchone()[
                0
            ]
    return deleted


def drop_warehouse_run_outputs(work: Path, since: datetime, memory_limit: str = "6GB") -> dict[str, int]:
    """drop_run_outputs on work/wh/warehouse.duckdb, and the runs' 270 files."""
    con = duckdb.connect(str(work / "wh" / "warehouse.duckdb"), config={"memory_limit": memory_limit})
    try:
        deleted = drop_run_outputs(con, since)
    finally:
        con.close()
    deleted["outbox_files"] = drop_outbox_files(work, since)
    return deleted


def unland_inbox(work: Path) -> int:
    """Remove the inbox copies of work/day_inbox's files (a warehouse restored as of the day before has
    none of their rows); how many were there."""
    day_inbox, inbox = work / "day_inbox", work / "inbox"
    removed = 0
    for rel in sorted(p.relative_to(day_inbox) for p in day_inbox.rglob("*") if p.is_file()):
        copy = inbox / rel
        if copy.exists():
            copy.unlink()
            removed += 1
    return removed
