"""The last build's scored pairs updated in place for int_record_matches' daily increment: the pairs of
nodes that are new, changed or gone are deleted (they are scored again), the kept pairs get their nodes'
current representative record."""

from __future__ import annotations

import duckdb

from orchestration.identity.node_profiles import MAX_LISTED_KEYS, sql_string


def update_kept_pairs(con: duckdb.DuckDBPyConnection, pairs: str, written_with: str | None = None) -> None:
    """In place, after `score_changed_pairs` on the same connection: delete from the table `pairs` (the
    last build's) every pair with a node that is new, changed or gone, and give the kept pairs their
    nodes' current representative record. Idempotent, so a build that fails after it is safe to rerun.

    `written_with`: the node profiles (person_key, record_key) the pairs were last written with, when every
    node of `pairs` is one of them (int_identity_nodes of the pairs' own version). Then only the pairs of
    its nodes that are not clean now are deleted and only the nodes whose representative record moved are
    updated: a few thousand keys probed, where the general path joins every pair (15.8M at 1M leads) with
    every node twice and anti-joins it twice."""
    if written_with is not None:
        _update_kept_pairs_of_known_nodes(con, pairs, written_with)
        return
    con.execute(
        f"""
        delete from {pairs} as p
        where not exists (select 1 from id_clean_nodes as c where c.person_key = p.person_key_l)
            or not exists (select 1 from id_clean_nodes as c where c.person_key = p.person_key_r)
        """
    )
    for side in ("l", "r"):
        con.execute(
            f"""
            update {pairs} as p set record_key_{side} = n.record_key
            from id_nodes as n
            where p.person_key_{side} = n.person_key and p.record_key_{side} <> n.record_key
            """
        )


def _update_kept_pairs_of_known_nodes(con: duckdb.DuckDBPyConnection, pairs: str, written_with: str) -> None:
    # A pair's nodes are all in `written_with`: "not clean" is changed or gone (id_dirty_nodes, id_gone_nodes;
    # new nodes have no pairs yet), and a kept pair's record keys are its nodes' there, so only nodes whose
    # row may differ from it (id_touched_nodes) can have moved. The few keys are written into the SQL as
    # constant lists: DuckDB filters the scan of every pair with them instead of probing a join.
    con.execute(
        "create or replace temp table id_stale_nodes as "
        "select person_key from id_dirty_nodes union select person_key from id_gone_nodes"
    )
    stale = _keys(con, "select person_key from id_stale_nodes")
    for side in ("l", "r"):
        if stale:
            con.execute(
                f"delete from {pairs} where person_key_{side} in ({_listed(stale, 'id_stale_nodes')})"
            )
    con.execute(
        f"""
        create or replace temp table id_moved_nodes as
        select n.person_key, n.record_key
        from id_touched_nodes as n
        inner join {written_with} as w on n.person_key = w.person_key and n.record_key <> w.record_key
        """
    )
    moved = _keys(con, "select person_key from id_moved_nodes")
    for side in ("l", "r"):
        if moved:
            con.execute(
                f"""
                update {pairs} as p set record_key_{side} = m.record_key
                from id_moved_nodes as m
                where p.person_key_{side} = m.person_key
                    and p.person_key_{side} in ({_listed(moved, "id_moved_nodes")})
                """
            )


def _keys(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [key for (key,) in con.execute(sql).fetchall() if key is not None]


def _listed(keys: list[str], table: str) -> str:
    """An IN list: the keys as constants when few, else a subquery on `table` (which holds them)."""
    if len(keys) > MAX_LISTED_KEYS:
        return f"select person_key from {table}"
    return ", ".join(sql_string(k) for k in keys)
