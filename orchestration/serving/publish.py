"""Publish an atomic, read-only serving snapshot of the warehouse for the app (never the writer's file)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.serving import bucket_state
from orchestration.serving.snapshot_sync import TableSync, sync_table

SNAPSHOT_SCHEMAS = ("ref", "marts")
# Besides those schemas, the app reads these alone (app/lib/queries_*.py; a test holds the two together).
# The rest of raw and staging, the identity layers and dbt's helper views in `main` were nine tenths of
# a copy's rows (23 of 25.8 million at 100k leads) and of the time a daily publish took.
SNAPSHOT_EXTRA_TABLES = (
    ("raw", "fax_extractions"),
    ("raw", "ingest_log"),
    ("staging", "stg_eligibility__responses"),
    ("staging", "stg_fax__review_queue"),
)


TARGET = "ptleads_snapshot"
MAX_FREE_SHARE = 0.5  # a previous snapshot more than half free space is not worth starting from


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_database()").fetchone()[0]


@dataclass
class PublishResult:
    counts: dict[str, int]  # rows of each ref/marts table (snapshot.json's row_counts)
    tables: list[TableSync] = field(default_factory=list)

    def summary(self) -> str:
        n = {a: sum(1 for t in self.tables if t.action == a) for a in ("kept", "patched", "copied")}
        written = sum(t.written for t in self.tables)
        restamped = sum(t.restamped for t in self.tables)
        return (
            f"tables kept {n['kept']}, patched {n['patched']}, copied {n['copied']}; {written} rows written"
            + (f", {restamped} rows restamped (as_of)" if restamped else "")
        )


def _start_from_previous(snapshot: Path, tmp: Path) -> bool:
    """Start the new snapshot as a copy of the published one (a kernel file copy), unless there is none or
    it carries mostly free space (tables dropped since: a fresh file is smaller and as quick to write)."""
    if not snapshot.is_file():
        return False
    shutil.copyfile(snapshot, tmp)
    try:
        probe = duckdb.connect(str(tmp), read_only=True)
    except duckdb.Error:
        tmp.unlink(missing_ok=True)
        return False
    try:
        total, free = probe.execute("SELECT total_blocks, free_blocks FROM pragma_database_size()").fetchone()
    finally:
        probe.close()
    if total and free > total * MAX_FREE_SHARE:
        tmp.unlink()
        return False
    return True


def publish_snapshot(con: duckdb.DuckDBPyConnection, snapshot: Path, as_of: datetime) -> dict[str, int]:
    """Copy the warehouse (connection held by the writer) to `snapshot` atomically and write snapshot.json;
    returns the row count of every ref/marts table."""
    return publish(con, snapshot, as_of).counts


def publish(con: duckdb.DuckDBPyConnection, snapshot: Path, as_of: datetime) -> PublishResult:
    """Publish the snapshot: the previous one is copied and brought up to date table by table
    (snapshot_sync: unchanged tables kept, big tables patched by the rows that changed), then swapped in
    atomically. Views are materialised as tables in the copy: their SQL names the writer's catalog, which
    the app's read-only open of the snapshot would not have.
    """
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    tmp = snapshot.with_name(snapshot.name + ".tmp")
    tmp.unlink(missing_ok=True)
    source = _catalog(con)
    con.execute("CHECKPOINT")
    _start_from_previous(snapshot, tmp)
    con.execute(f"ATTACH '{tmp}' AS {TARGET}")
    result = PublishResult({})
    try:
        relations = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = ? AND (table_schema IN (SELECT unnest(?)) "
            "OR table_schema || '.' || table_name IN (SELECT unnest(?))) "
            "ORDER BY table_schema, table_name",
            [source, list(SNAPSHOT_SCHEMAS), [f"{schema}.{name}" for schema, name in SNAPSHOT_EXTRA_TABLES]],
        ).fetchall()
        _drop_unpublished(con, set(relations))
        for schema, name in relations:
            sync = sync_table(con, source, TARGET, schema, name)
            result.tables.append(sync)
            if schema in SNAPSHOT_SCHEMAS:
                result.counts[f"{schema}.{name}"] = sync.rows
    finally:
        con.execute(f"DETACH {TARGET}")
    os.replace(tmp, snapshot)
    meta = {
        "as_of": as_of.isoformat(),
        "published_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "row_counts": result.counts,
    }
    meta_tmp = snapshot.with_name("snapshot.json.tmp")
    meta_tmp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(meta_tmp, snapshot.with_name("snapshot.json"))
    return result


def _drop_unpublished(con: duckdb.DuckDBPyConnection, keep: set[tuple[str, str]]) -> None:
    """Tables (and then empty schemas) of the previous snapshot the warehouse no longer publishes."""
    held = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name <> ?",
        [TARGET, bucket_state.SCHEMA],
    ).fetchall()
    for schema, name in held:
        if (schema, name) not in keep:
            con.execute(f'DROP TABLE {TARGET}."{schema}"."{name}"')
            bucket_state.forget(con, TARGET, f"{schema}.{name}")
    wanted = {schema for schema, _ in keep} | {"main", bucket_state.SCHEMA}
    for (schema,) in con.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? AND NOT internal", [TARGET]
    ).fetchall():
        if schema not in wanted:
            con.execute(f'DROP SCHEMA IF EXISTS {TARGET}."{schema}" CASCADE')
