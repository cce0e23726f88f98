"""Bring one table of a copy of the previous snapshot up to date with the warehouse, writing as little as
possible: a table whose rows did not change is kept; a big table that changed in a few rows gets only
those rows again; anything else is copied whole.

Rows are compared as a multiset by a 64-bit hash of the whole row: a small table is unchanged when its
row count and the sum of its row hashes match (both sides computed now, no state kept between runs). A
big table is cut into buckets by the top bits of the row hash (about ROWS_PER_BUCKET rows each), counted
and summed the same way; a bucket whose count or hash sum differs is deleted from the copy and inserted
again from the warehouse, so the copy ends with exactly the warehouse's rows. Physical row order may
differ from a fresh copy: no reader may rely on it (the app orders what it shows).

A column every row of both sides holds one value of (`STAMP_COLUMNS`: the run's as_of that ml_lead_features
and other marts stamp on each row) is left out of the row hash and, when its value moved, set with one
UPDATE: otherwise a new as_of changes every row and the table is copied whole (at 1M leads
ml_lead_features, ~1M of the 1.97M rows a day's publish wrote, though ~1.5% of its rows had changed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

from orchestration.serving import bucket_state

DELTA_MIN_ROWS = 20_000  # smaller tables that changed are copied whole: as cheap, and simpler
ROWS_PER_BUCKET = 4  # a changed row rewrites its bucket: ~4 rows each time
MAX_DELTA_SHARE = 0.25  # more rows than this in changed buckets: copying the table whole is cheaper
MAX_DEAD_SHARE = 0.2  # deleted rows a patched table may carry (DuckDB keeps some); past it, rewrite it
STAMP_COLUMNS = ("as_of",)  # a column of one value per table (the run's as-of) is compared on its own
CHANGED = "_ptleads_changed_buckets"
SOURCE_SUMS = "_ptleads_source_buckets"
VIEW_ROWS = "_ptleads_view_rows"
# Row identifiers (one distinct string a row) of the biggest tables, stored without compression in the
# snapshot: a copy is CPU-bound on DuckDB's string compression (DICT_FSST), which finds no dictionary in
# them and saves only ~45% by FSST, at ~4x the CPU of a plain copy of the column. At 100k leads a first
# publish took 3.1-3.2 instead of 4.2-4.35 CPU-s and a day's patching publish 3.05-3.2 instead of
# 3.55-3.65 (its re-written row groups); the file is ~1/3 bigger (148 -> 197 MB). Rows and column types
# are unchanged. A snapshot published before takes the setting when the table is next copied whole.
PLAIN_STORED_COLUMNS = {
    "marts.lead_source_records": ("source_record_id",),
    "marts.fct_touches": ("touch_id", "source_record_id"),
    "marts.fct_appointments": ("appointment_id",),
}


@dataclass(frozen=True, slots=True)
class TableSync:
    """What publishing did to one table: kept | patched | copied, and how many rows it wrote."""

    name: str
    action: str
    rows: int
    written: int
    restamped: int = 0  # rows whose stamp column (as_of) alone was set in place


def _quote(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, type) of a table or view, in order; [] when it does not exist."""
    try:
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    except duckdb.CatalogException:
        return []


def _physical_rows(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, name: str) -> int:
    """Rows stored, deleted ones included (what scans and the file still carry)."""
    return con.execute(
        "SELECT coalesce(sum(n), 0) FROM (SELECT max(start + count) AS n "
        "FROM pragma_storage_info(?) WHERE column_id = 0 GROUP BY row_group_id)",
        [f"{catalog}.{schema}.{name}"],
    ).fetchone()[0]


def copy_table(con: duckdb.DuckDBPyConnection, src: str, target: str, schema: str, name: str) -> int:
    """Replace target's table with the rows of relation `src` (quoted); returns its row count."""
    dst = _quote(target, schema, name)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(target, schema)}")
    plain = PLAIN_STORED_COLUMNS.get(f"{schema}.{name}", ())
    wanted = columns(con, src) if plain else []
    if any(column in plain for column, _ in wanted):
        spec = ", ".join(
            f"{_quote(column)} {type_}" + (" USING COMPRESSION uncompressed" if column in plain else "")
            for column, type_ in wanted
        )
        con.execute(f"CREATE OR REPLACE TABLE {dst} ({spec})")
        con.execute(f"INSERT INTO {dst} SELECT * FROM {src}")
    else:
        con.execute(f"CREATE OR REPLACE TABLE {dst} AS SELECT * FROM {src}")
    return con.execute(f"SELECT count(*) FROM {dst}").fetchone()[0]


def sync_table(con: duckdb.DuckDBPyConnection, source: str, target: str, schema: str, name: str) -> TableSync:
    """Make target's `schema.name` hold exactly the source relation's rows (see the module doc)."""
    is_view = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE database_name = ? AND schema_name = ? AND view_name = ?",
        [source, schema, name],
    ).fetchone()[0]
    if not is_view:
        return _sync(con, _quote(source, schema, name), target, schema, name)
    view = _quote(source, schema, name)
    if columns(con, _quote(target, schema, name)) != columns(con, view):
        # New or re-typed in the copy (every table of a first publish): copied straight from the view, one
        # evaluation, instead of a temporary table first and a copy of that (~25% of the view's CPU).
        bucket_state.forget(con, target, f"{schema}.{name}")
        rows = copy_table(con, view, target, schema, name)
        return TableSync(f"{schema}.{name}", "copied", rows, rows)
    # A view is evaluated once (at 1M the eligibility view took 6.8 CPU-s over the passes below)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {VIEW_ROWS} AS SELECT * FROM {view}")
    try:
        return _sync(con, _quote("temp", "main", VIEW_ROWS), target, schema, name)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_quote('temp', 'main', VIEW_ROWS)}")


def _single_value(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> tuple[bool, object]:
    """(every row holds the same non-null value, that value); a table without rows has none."""
    c = _quote(column)
    low, high, nulls = con.execute(
        f"SELECT min({c}), max({c}), count(*) - count({c}) FROM {relation}"
    ).fetchone()
    return low is not None and low == high and nulls == 0, low


def _stamps(
    con: duckdb.DuckDBPyConnection, src: str, dst: str, wanted: list[tuple[str, str]]
) -> dict[str, object]:
    """Stamp columns holding one value on both sides: column -> the source's value."""
    out: dict[str, object] = {}
    for column, _ in wanted:
        if column in STAMP_COLUMNS:
            (src_single, value), (dst_single, _) = (
                _single_value(con, src, column),
                _single_value(con, dst, column),
            )
            if src_single and dst_single:
                out[column] = value
    return out


def _restamp(con: duckdb.DuckDBPyConnection, dst: str, stamps: dict[str, object], rows: int) -> int:
    """Set each stamp column to the source's value where it differs; returns the rows set."""
    done = 0
    for column, value in stamps.items():
        done = max(
            done,
            con.execute(
                f"UPDATE {dst} SET {_quote(column)} = ? WHERE {_quote(column)} IS DISTINCT FROM ?",
                [value, value],
            ).fetchone()[0],
        )
    return min(done, rows)


def _sync(con: duckdb.DuckDBPyConnection, src: str, target: str, schema: str, name: str) -> TableSync:
    label = f"{schema}.{name}"
    done = _sync_big(con, src, target, schema, name)
    if done is None:
        bucket_state.forget(con, target, label)  # written another way: its stored sums no longer hold
        done = _sync_whole(con, src, target, schema, name)
    return done


def _sync_whole(con: duckdb.DuckDBPyConnection, src: str, target: str, schema: str, name: str) -> TableSync:
    """A new or re-typed table, or a small one: copied whole unless its rows (stamps aside) are the same."""
    dst = _quote(target, schema, name)
    label = f"{schema}.{name}"
    wanted = columns(con, src)
    if columns(con, dst) != wanted:  # new, or its columns changed
        rows = copy_table(con, src, target, schema, name)
        return TableSync(label, "copied", rows, rows)
    stamps = _stamps(con, src, dst, wanted)
    row_hash = _row_hash(wanted, stamps)
    total = f"count(*), sum({row_hash}::HUGEINT)"
    rows = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
    if (
        con.execute(f"SELECT {total} FROM {dst}").fetchone()
        != con.execute(f"SELECT {total} FROM {src}").fetchone()
    ):
        return TableSync(label, "copied", copy_table(con, src, target, schema, name), rows)
    restamped = _restamp(con, dst, stamps, rows)
    return TableSync(label, "patched" if restamped else "kept", rows, 0, restamped)


def _row_hash(wanted: list[tuple[str, str]], stamps: dict[str, object]) -> str:
    hashed = [c for c, _ in wanted if c not in stamps] or [c for c, _ in wanted]
    return f"hash({', '.join(_quote(c) for c in hashed)})"


def _sync_big(
    con: duckdb.DuckDBPyConnection, src: str, target: str, schema: str, name: str
) -> TableSync | None:
    """Patch a big table by bucket (module doc); None when it is not one to patch."""
    dst = _quote(target, schema, name)
    label = f"{schema}.{name}"
    wanted = columns(con, src)
    if columns(con, dst) != wanted:
        return None
    rows = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
    held = con.execute(f"SELECT count(*) FROM {dst}").fetchone()[0]
    if rows < DELTA_MIN_ROWS:
        return None
    if _physical_rows(con, target, schema, name) > (1 + MAX_DEAD_SHARE) * max(held, 1):
        bucket_state.forget(con, target, label)  # rewritten whole to drop the deleted rows it carries
        return TableSync(label, "copied", copy_table(con, src, target, schema, name), rows)
    stamps = _stamps(con, src, dst, wanted)
    row_hash = _row_hash(wanted, stamps)
    bits = min(max(1, math.ceil(math.log2(rows / ROWS_PER_BUCKET))), 40)
    signature = f"{bits}|{row_hash}|{wanted}"
    bucket = f"({row_hash} >> {64 - bits})"
    per_bucket = f"SELECT {bucket} AS b, count(*) AS n, sum({row_hash}::HUGEINT) AS f FROM"
    known = bucket_state.matches(con, target, label, signature, held)
    held_sums = bucket_state.sums(target, label) if known else f"({per_bucket} {dst} GROUP BY b)"
    sums = _quote("temp", "main", SOURCE_SUMS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {SOURCE_SUMS} AS {per_bucket} {src} GROUP BY b")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CHANGED} AS "
        f"SELECT coalesce(s.b, d.b) AS b, coalesce(s.n, 0) AS n FROM {sums} AS s FULL JOIN {held_sums} AS d "
        "ON s.b = d.b WHERE s.n IS DISTINCT FROM d.n OR s.f IS DISTINCT FROM d.f"
    )
    try:
        buckets, written = con.execute(f"SELECT count(*), coalesce(sum(n), 0) FROM {CHANGED}").fetchone()
        written = int(written)
        if written > MAX_DELTA_SHARE * rows:
            copied = copy_table(con, src, target, schema, name)
            bucket_state.record(con, target, label, signature, copied, sums, None)
            return TableSync(label, "copied", copied, rows)
        if buckets:
            con.execute(f"DELETE FROM {dst} WHERE {bucket} IN (SELECT b FROM {CHANGED})")
            con.execute(f"INSERT INTO {dst} SELECT * FROM {src} WHERE {bucket} IN (SELECT b FROM {CHANGED})")
        bucket_state.record(
            con, target, label, signature, rows, sums, _quote("temp", "main", CHANGED) if known else None
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {CHANGED}")
        con.execute(f"DROP TABLE IF EXISTS {SOURCE_SUMS}")
    restamped = _restamp(con, dst, stamps, rows)  # the re-inserted rows already carry the new stamp
    if buckets == 0 and not restamped:
        return TableSync(label, "kept", rows, 0)
    return TableSync(label, "patched", rows, written, restamped)
