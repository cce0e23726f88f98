"""The last build's scored pairs updated in place for int_record_matches' daily increment: the pairs of
nodes that are new, changed or gone are deleted (they are scored again), the kept pairs get their nodes'
current representative record (the daily path appends them again rather than updating them)."""

from __future__ import annotations

import duckdb

from orchestration.identity.node_changes import touched_before
from orchestration.identity.node_profiles import MAX_LISTED_KEYS, sql_string
from orchestration.identity.pair_scoring import rescore_pairs
from orchestration.warehouse_transaction import atomic


def update_kept_pairs(
    con: duckdb.DuckDBPyConnection, pairs: str, written_with: str | None = None, scan_also: str | None = None
) -> None:
    """In place, after `score_changed_pairs` on the same connection: delete from the table `pairs` (the
    last build's) every pair with a node that is new, changed or gone, and give the kept pairs their
    nodes' current representative record. Idempotent, so a build that fails after it is safe to rerun.

    `written_with`: the node profiles (person_key, record_key) the pairs were last written with, when every
    node of `pairs` is one of them (int_identity_nodes of the pairs' own version). Then only the pairs of
    its nodes that are not clean now are deleted and only the pairs of nodes whose representative record
    moved are rewritten (scored again and appended, the old rows deleted): a few thousand keys probed, where
    the general path joins every pair (15.8M at 1M leads) with every node twice and anti-joins it twice.

    `scan_also` (with `written_with`): a relation of more person_keys whose pairs the same scan keeps, with
    their columns, in temp table id_pair_scan (every pair with a node among them or among those updated),
    so a later reader of those pairs (the re-clustering's affected nodes) does not scan every pair again."""
    if written_with is not None:
        with atomic(con):
            _update_kept_pairs_of_known_nodes(con, pairs, written_with, scan_also)
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


def _update_kept_pairs_of_known_nodes(
    con: duckdb.DuckDBPyConnection, pairs: str, written_with: str, scan_also: str | None
) -> None:
    # A pair's nodes are all in `written_with`: "not clean" is changed or gone (id_dirty_nodes, id_gone_nodes;
    # new nodes have no pairs yet), and a kept pair's record keys are its nodes' there, so only nodes whose
    # row may differ from it (id_touched_nodes) can have moved.
    con.execute(
        "create or replace temp table id_stale_nodes as "
        "select person_key from id_dirty_nodes union select person_key from id_gone_nodes"
    )
    # The touched nodes' rows of `written_with` as the node marking read them, if it did (no second scan).
    before = touched_before(con, written_with) or written_with
    con.execute(
        f"""
        create or replace temp table id_moved_nodes as
        select n.person_key, n.record_key
        from id_touched_nodes as n
        inner join {before} as w on n.person_key = w.person_key and n.record_key <> w.record_key
        anti join id_stale_nodes as s on n.person_key = s.person_key
        """
    )
    con.execute(
        "create or replace temp table id_pair_nodes as "
        "select person_key from id_stale_nodes union all select person_key from id_moved_nodes"
    )
    if scan_also is None:
        keys = _keys(con, "select person_key from id_pair_nodes")
        if not keys:
            return
        # One scan per side finds the rows of every stale or moved node (the keys as constants when few:
        # DuckDB filters the scan with them instead of probing a join), then they are deleted by rowid.
        listed = _listed(keys, "id_pair_nodes")
        con.execute(
            f"""
            create or replace temp table id_pair_hits as
            select rowid as row_id, person_key_l, person_key_r from {pairs} where person_key_l in ({listed})
            union
            select rowid, person_key_l, person_key_r from {pairs} where person_key_r in ({listed})
            """
        )
    else:
        # The same scan also keeps the pairs of `scan_also`'s nodes, with what clustering reads of them.
        # One scan with both sides' lookups (not one per side and a union of their rows: that union of
        # wide rows cost more than the second scan), against the table (an OR of two constant lists is a
        # slow filter).
        con.execute(
            "create or replace temp table id_scan_nodes as "
            f"select person_key from id_pair_nodes union select person_key from {scan_also}"
        )
        con.execute(
            f"""
            create or replace temp table id_pair_scan as
            select rowid as row_id, person_key_l, person_key_r, match_weight, accepted, vetoed
            from {pairs}
            where person_key_l in (select person_key from id_scan_nodes)
                or person_key_r in (select person_key from id_scan_nodes)
            """
        )
        con.execute(
            """
            create or replace temp table id_pair_hits as
            select row_id, person_key_l, person_key_r from id_pair_scan
            where person_key_l in (select person_key from id_pair_nodes)
                or person_key_r in (select person_key from id_pair_nodes)
            """
        )
        if not _keys(con, "select person_key from id_pair_nodes limit 1"):
            return
    # Kept pairs of a moved node are appended again with its current record and the old rows deleted, not
    # updated in place: DuckDB's checkpoint rewrites an updated column in every row group the UPDATE
    # touched, and a day's moved nodes have pairs in nearly all of them (15.8M pairs, as at 1M leads: 5.6
    # CPU-s of checkpoint for one day's moves); deleted and appended rows cost what is appended. Their rows
    # are scored again, not read back: their nodes' profiles are unchanged, so the scores are the stored
    # ones, and reading every column of a few thousand rows spread over the whole table cost a scan of it
    # (1.3-1.6 s at 1M leads). Distinct: a rerun after a build that stopped between the insert and the
    # delete finds both copies of a pair.
    if _keys(con, "select person_key from id_moved_nodes limit 1"):
        con.execute(
            """
            create or replace temp table id_moved_pairs as
            select distinct h.person_key_l, h.person_key_r
            from id_pair_hits as h
            anti join id_stale_nodes as sl on h.person_key_l = sl.person_key
            anti join id_stale_nodes as sr on h.person_key_r = sr.person_key
            """
        )
        con.execute(f"insert into {pairs} by name {rescore_pairs(con, 'id_moved_pairs')}")
    con.execute(f"delete from {pairs} where rowid in (select row_id from id_pair_hits)")


def _keys(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [key for (key,) in con.execute(sql).fetchall() if key is not None]


def _listed(keys: list[str], table: str) -> str:
    """An IN list: the keys as constants when few, else a subquery on `table` (which holds them)."""
    if len(keys) > MAX_LISTED_KEYS:
        return f"select person_key from {table}"
    return ", ".join(sql_string(k) for k in keys)
