"""One transaction around a few statements on a DuckDB connection, for writers outside dbt that must not be
seen half done (a cache's delete and insert, kept pairs deleted and appended by rowid)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The statements inside in one transaction: one commit (one WAL sync), rolled back when one fails, and
    rowids read in one statement stay valid in the next (a checkpoint between two autocommitted statements
    may renumber them). Inside a transaction already (dbt runs a model's statements in its own), nothing to
    open: a BEGIN there would abort it."""
    if in_transaction(con):
        yield
        return
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` is inside an open transaction: autocommitted statements each get a new id."""
    first = con.execute("select txid_current()").fetchone()[0]
    return con.execute("select txid_current()").fetchone()[0] == first
