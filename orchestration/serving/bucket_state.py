"""Per-bucket row counts and hash sums of each big table as the last publish left it, kept in the snapshot.

snapshot_sync compares a big table's buckets on both sides. The snapshot side is exactly what the previous
publish wrote, so its sums can be read back instead of hashing every snapshot row again: half of the work
on the biggest tables (lead_source_records, fct_touches), whose hashing is most of a day's publish.
Trusted only while the header matches: the same bucket width, hashed columns and types (`signature`) and
the row count the copy holds; any other write path (a copy, a small table, a new column) forgets the table.
The sums travel inside the snapshot file, so they are swapped in atomically with the rows they describe.
"""

from __future__ import annotations

import duckdb

SCHEMA = "ptleads_publish"
SUMS = "bucket_sums"  # table_name, b, n, f
HEADS = "bucket_heads"  # table_name, signature, rows


def _q(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ensure(con: duckdb.DuckDBPyConnection, target: str) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(target, SCHEMA)}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {_q(target, SCHEMA, SUMS)} "
        "(table_name VARCHAR, b UBIGINT, n BIGINT, f HUGEINT)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {_q(target, SCHEMA, HEADS)} "
        "(table_name VARCHAR, signature VARCHAR, rows BIGINT)"
    )


def matches(con: duckdb.DuckDBPyConnection, target: str, table: str, signature: str, rows: int) -> bool:
    """Whether the stored sums describe `table` as the snapshot holds it now."""
    ensure(con, target)
    found = con.execute(
        f"SELECT signature, rows FROM {_q(target, SCHEMA, HEADS)} WHERE table_name = ?", [table]
    ).fetchall()
    return found == [(signature, rows)]


def sums(target: str, table: str) -> str:
    """SQL for the stored (b, n, f) of `table` (only after `matches`)."""
    return f"(SELECT b, n, f FROM {_q(target, SCHEMA, SUMS)} WHERE table_name = {_literal(table)})"


def forget(con: duckdb.DuckDBPyConnection, target: str, table: str) -> None:
    ensure(con, target)
    for name in (SUMS, HEADS):
        con.execute(f"DELETE FROM {_q(target, SCHEMA, name)} WHERE table_name = ?", [table])


def record(
    con: duckdb.DuckDBPyConnection,
    target: str,
    table: str,
    signature: str,
    rows: int,
    source_sums: str,
    changed: str | None,
) -> None:
    """Store `source_sums` (b, n, f of the rows the copy now holds): only the `changed` buckets when the
    stored sums were valid before, else all of them."""
    ensure(con, target)
    stored = _q(target, SCHEMA, SUMS)
    if changed is None:
        forget(con, target, table)
        con.execute(f"INSERT INTO {stored} SELECT ?, b, n, f FROM {source_sums}", [table])
    else:
        con.execute(f"DELETE FROM {stored} WHERE table_name = ? AND b IN (SELECT b FROM {changed})", [table])
        con.execute(
            f"INSERT INTO {stored} SELECT ?, b, n, f FROM {source_sums} WHERE b IN (SELECT b FROM {changed})",
            [table],
        )
        con.execute(f"DELETE FROM {_q(target, SCHEMA, HEADS)} WHERE table_name = ?", [table])
    con.execute(f"INSERT INTO {_q(target, SCHEMA, HEADS)} VALUES (?, ?, ?)", [table, signature, rows])
