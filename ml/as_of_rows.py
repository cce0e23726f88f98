"""Scoring outputs keep one set of rows per as_of: a rerun of the same as_of replaces exactly its rows."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl


def replace_as_of_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame, columns: str, select: str, as_of: datetime
) -> None:
    """Delete `table`'s rows of `as_of` and insert `select` (SQL over the registered `rows`) into `columns`,
    in one transaction: a crash leaves the previous rows, never half of them."""
    con.register("_ptleads_as_of_rows", rows)
    try:
        con.execute("begin transaction")
        con.execute(f"delete from {table} where as_of = ?", [as_of])
        con.execute(f"insert into {table} ({columns}) select {select} from _ptleads_as_of_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_ptleads_as_of_rows")
