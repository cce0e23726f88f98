"""Publish an atomic, read-only serving snapshot of the warehouse for the app (never the writer's file)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

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


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_database()").fetchone()[0]


def publish_snapshot(con: duckdb.DuckDBPyConnection, snapshot: Path, as_of: datetime) -> dict[str, int]:
    """Copy the warehouse (connection held by the writer) to `snapshot` atomically and write snapshot.json.

    Views are materialised as tables in the copy: their SQL names the writer's catalog, which the app's
    read-only open of the snapshot would not have.
    """
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    tmp = snapshot.with_name(snapshot.name + ".tmp")
    tmp.unlink(missing_ok=True)
    source = _catalog(con)
    con.execute("CHECKPOINT")
    con.execute(f"ATTACH '{tmp}' AS ptleads_snapshot")
    try:
        relations = con.execute(
            "SELECT table_schema, table_name, table_type FROM information_schema.tables "
            "WHERE table_catalog = ? AND (table_schema IN (SELECT unnest(?)) "
            "OR table_schema || '.' || table_name IN (SELECT unnest(?))) "
            "ORDER BY table_schema, table_name",
            [source, list(SNAPSHOT_SCHEMAS), [f"{schema}.{name}" for schema, name in SNAPSHOT_EXTRA_TABLES]],
        ).fetchall()
        counts: dict[str, int] = {}
        for schema, name, _kind in relations:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS ptleads_snapshot."{schema}"')
            con.execute(
                f'CREATE TABLE ptleads_snapshot."{schema}"."{name}" AS '
                f'SELECT * FROM "{source}"."{schema}"."{name}"'
            )
            if schema in SNAPSHOT_SCHEMAS:
                counts[f"{schema}.{name}"] = con.execute(
                    f'SELECT count(*) FROM ptleads_snapshot."{schema}"."{name}"'
                ).fetchone()[0]
    finally:
        con.execute("DETACH ptleads_snapshot")
    os.replace(tmp, snapshot)
    meta = {
        "as_of": as_of.isoformat(),
        "published_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "row_counts": counts,
    }
    meta_tmp = snapshot.with_name("snapshot.json.tmp")
    meta_tmp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(meta_tmp, snapshot.with_name("snapshot.json"))
    return counts
