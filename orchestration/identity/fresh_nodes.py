"""The day's recomputed node profiles handed from int_record_matches to int_identity_nodes.

Both models recompute the profiles of the person_keys int_source_records changed (node_profiles.build_nodes:
a scan of every record of the history, 0.11 of int_identity_nodes' 0.17 CPU-s on the 100k day). Pair scoring
runs first, so it saves its profiles with their hashes (`int_record_matches_fresh`) and what they were built
from (`int_record_matches_fresh_state`: records version, version of the previous profiles, hash salt);
int_identity_nodes takes them when its own NodeSource and salt are the same, else recomputes. A build that
profiled every node (a full build) saves them all the same way (saved_all_nodes)."""

from __future__ import annotations

import duckdb

from orchestration.identity.config import IdentityConfig
from orchestration.identity.node_changes import HASH_EXPR
from orchestration.identity.node_profiles import NODE_COLUMNS, NodeSource, sql_string
from orchestration.identity.pair_scoring import config_fingerprint

FRESH_TABLE = "int_record_matches_fresh"
FRESH_STATE = "int_record_matches_fresh_state"


def save_fresh_nodes(
    con: duckdb.DuckDBPyConnection, schema: str, source: NodeSource, config: IdentityConfig
) -> None:
    """After build_nodes with copy-forward (`source.previous`: temp table id_fresh_nodes exists), keep its
    rows hashed with `config`'s salt and the source they describe. Without copy-forward the state is empty
    (a later int_identity_nodes then recomputes)."""
    salt = sql_string(config_fingerprint(config))
    con.execute(f'create schema if not exists "{schema}"')
    state = f'"{schema}"."{FRESH_STATE}"'
    # The state goes first and is filled last: a build that stops in between leaves no usable hand-off.
    con.execute(
        f"create or replace table {state} "
        "(source_version bigint, previous_version bigint, changed varchar, salt varchar)"
    )
    if source.previous is None or source.changed is None:
        if source.previous is None and source.version is not None:
            _save_all_nodes(con, schema, source, salt)
        return
    con.execute(
        f"""
        create or replace table "{schema}"."{FRESH_TABLE}" as
        select {", ".join(NODE_COLUMNS)}, {HASH_EXPR.format(salt=salt)} as profile_hash
        from id_fresh_nodes
        order by person_key
        """
    )
    con.execute(f"insert into {state} values (?, ?, ?, {salt})", [*_key(source)])


def _save_all_nodes(con: duckdb.DuckDBPyConnection, schema: str, source: NodeSource, salt: str) -> None:
    """A build that profiled every node (no copy-forward: id_nodes, mark_all_nodes) keeps them all, hashed
    here, so a full int_identity_nodes does not group every record of the history again (at 1M leads 19M
    records, most of its full build); the state's previous_version and changed are null. A full scoring's
    id_nodes is stored in person_key order (build_nodes' `ordered`), and this copy keeps that order without
    sorting again but for the stretches two threads write in turn (no reader needs it exact: zone maps)."""
    con.execute(
        f"""
        create or replace table "{schema}"."{FRESH_TABLE}" as
        select {", ".join(NODE_COLUMNS)}, {HASH_EXPR.format(salt=salt)} as profile_hash
        from id_nodes
        """
    )
    con.execute(f'insert into "{schema}"."{FRESH_STATE}" values (?, null, null, {salt})', [source.version])


def saved_all_nodes(
    con: duckdb.DuckDBPyConnection, schema: str, version: int | None, config: IdentityConfig
) -> str | None:
    """Every node's profile and hash (a table name) when int_record_matches saved them all for records
    `version` with `config`'s salt (_save_all_nodes): what node_table computes for a full recompute."""
    if version is None or not _saved(con, schema):
        return None
    salt = sql_string(config_fingerprint(config))
    rows = con.execute(
        f'select source_version, previous_version, changed, salt = {salt} from "{schema}"."{FRESH_STATE}"'
    ).fetchall()
    return f'"{schema}"."{FRESH_TABLE}"' if rows == [(version, None, None, True)] else None


def _saved(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_catalog = current_database() and table_schema = ? and table_name in (?, ?)",
        [schema, FRESH_TABLE, FRESH_STATE],
    ).fetchone()[0]
    return found == 2


def saved_fresh_nodes(
    con: duckdb.DuckDBPyConnection, schema: str, source: NodeSource, config: IdentityConfig
) -> str | None:
    """The saved profiles (a table name) when they were built from exactly `source` (same records version,
    same previous profiles version, same changed-keys relation) and `config`'s salt; else None."""
    if None in (source.previous, source.changed, source.version, source.previous_version):
        return None
    if not _saved(con, schema):
        return None
    salt = sql_string(config_fingerprint(config))
    rows = con.execute(
        f'select source_version, previous_version, changed, salt = {salt} from "{schema}"."{FRESH_STATE}"'
    ).fetchall()
    return f'"{schema}"."{FRESH_TABLE}"' if rows == [(*_key(source), True)] else None


def _key(source: NodeSource) -> tuple[int | None, int | None, str | None]:
    return source.version, source.previous_version, source.changed
