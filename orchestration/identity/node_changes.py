"""Which identity nodes a build touched, for the daily increments of int_record_matches and
int_identity_nodes: a node's profile hash (its profile and the scoring parameters, `salt`), and the temp
tables the pair update reads: id_dirty_nodes (new or changed profile), id_gone_nodes (in the last build's
node table, gone now) and id_touched_nodes (nodes whose row may differ from the last build's, with their
hash).

Two ways: every node hashed and compared (mark_all_nodes), or, on the node table the kept pairs were written
with, only the person_keys int_source_records changed (mark_changed_nodes): every other node keeps its
profile and hash, so nothing is hashed, joined or anti-joined per node of the history."""

from __future__ import annotations

import duckdb

from orchestration.identity.node_profiles import (
    MAX_LISTED_KEYS,
    NodeSource,
    build_nodes,
    drop_temp,
    sql_string,
)

# The previous node rows of the keys mark_changed_nodes recomputed (touched_before).
TOUCHED_BEFORE = "id_touched_before"
TOUCHED_BEFORE_SOURCE = "id_touched_before_source"  # the node table they came from

HASH_EXPR = "md5(concat_ws('|', {salt}, first_norm, last_norm, cast(dob as varchar), phone, email, zip))"

NODE_HASH_SQL = f"""
create or replace temp table id_node_hashes as
select person_key, {HASH_EXPR} as profile_hash
from id_nodes
"""


def same_salt_hash(con: duckdb.DuckDBPyConnection, previous_nodes: str, salt: str) -> bool:
    """Whether `previous_nodes`' hashes were made with this salt (scoring parameters and comparison SQL):
    a few of its rows hashed again. Otherwise every node is dirty (all pairs rescored)."""
    rows = con.execute(
        f"select profile_hash = {HASH_EXPR.format(salt=salt)} from {previous_nodes} limit 8"
    ).fetchall()
    return bool(rows) and all(same for (same,) in rows)


def mark_changed_nodes(con: duckdb.DuckDBPyConnection, records: str, source: NodeSource, salt: str) -> None:
    """A day on the node profiles the pairs were written with: only the nodes int_source_records changed
    can be dirty, gone or moved; every other node keeps its profile and hash (no hash, join or anti-join of
    every node)."""
    build_nodes(con, records, source, as_view=True)
    drop_temp(con, "id_touched_nodes")
    con.execute(
        f"""
        create temp table id_touched_nodes as
        select *, {HASH_EXPR.format(salt=salt)} as profile_hash from id_fresh_nodes
        """
    )
    # The previous rows of the changed keys, read once (a scan of the previous nodes' key column) for the
    # dirty, gone and moved nodes (kept_pairs), instead of one such scan each.
    keys = [k for (k,) in con.execute("select person_key from id_changed_keys").fetchall() if k is not None]
    if len(keys) <= MAX_LISTED_KEYS:
        only = "person_key in (" + (", ".join(sql_string(k) for k in keys) or "null") + ")"
    else:
        only = "person_key in (select person_key from id_changed_keys)"
    con.execute(
        f"""
        create or replace temp table {TOUCHED_BEFORE} as
        select person_key, record_key, profile_hash from {source.previous} where {only}
        """
    )
    nodes = sql_string(source.previous)
    con.execute(f"create or replace temp table {TOUCHED_BEFORE_SOURCE} as select {nodes} as nodes")
    con.execute(
        f"""
        create or replace temp table id_dirty_nodes as
        select t.person_key from id_touched_nodes as t
        anti join {TOUCHED_BEFORE} as p on t.person_key = p.person_key and t.profile_hash = p.profile_hash
        """
    )
    con.execute(
        f"""
        create or replace temp table id_gone_nodes as
        select person_key from {TOUCHED_BEFORE}
        anti join id_fresh_nodes using (person_key)
        """
    )


def touched_before(con: duckdb.DuckDBPyConnection, nodes: str) -> str | None:
    """The temp table of the rows of `nodes` (person_key, record_key, profile_hash) whose keys the last
    mark_changed_nodes on `con` recomputed, when it read them from `nodes`; else None."""
    found = con.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = ?", [TOUCHED_BEFORE_SOURCE]
    ).fetchone()[0]
    if not found:
        return None
    (source,) = con.execute(f"select nodes from {TOUCHED_BEFORE_SOURCE}").fetchone()
    return TOUCHED_BEFORE if source == nodes else None


def mark_all_nodes(
    con: duckdb.DuckDBPyConnection,
    records: str,
    source: NodeSource,
    salt: str,
    previous_nodes: str | None,
    ordered: bool = False,
) -> None:
    """Every node hashed and compared with `previous_nodes` (none: every node is new, and nothing is hashed
    here: whoever keeps the hashes computes them from id_nodes). `ordered`: see build_nodes."""
    build_nodes(con, records, source, ordered=ordered)
    drop_temp(con, TOUCHED_BEFORE_SOURCE)
    if previous_nodes is None:
        con.execute("create or replace temp table id_clean_nodes (person_key varchar)")
        con.execute("create or replace temp table id_gone_nodes (person_key varchar)")
    else:
        con.execute(NODE_HASH_SQL.format(salt=salt))
        con.execute(
            f"""
            create or replace temp table id_clean_nodes as
            select current.person_key
            from id_node_hashes as current
            inner join {previous_nodes} as known
                on current.person_key = known.person_key and current.profile_hash = known.profile_hash
            """
        )
        con.execute(
            f"""
            create or replace temp table id_gone_nodes as
            select person_key from {previous_nodes} anti join id_nodes using (person_key)
            """
        )
    con.execute(
        "create or replace temp table id_dirty_nodes as "
        "select person_key from id_nodes anti join id_clean_nodes using (person_key)"
    )
    drop_temp(con, "id_touched_nodes")
    con.execute("create temp view id_touched_nodes as select * from id_nodes")
