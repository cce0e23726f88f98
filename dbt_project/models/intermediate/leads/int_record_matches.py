"""Scored candidate pairs of identity nodes (Fellegi-Sunter match weights per comparison), for audit.

The set work (blocking, comparison levels, weights) runs in DuckDB through
orchestration.identity.changed_pairs_relation; parameters come from config/identity.yaml.

A dbt incremental model (append after an in-place delete): the last build's node hashes
(int_identity_nodes) tell which nodes are new, changed or gone. Their pairs are deleted from this table
and rescored; pairs between two unchanged nodes stay where they are (no copy, no rewrite of the whole
history). The result equals a full scoring. Everything that changes pairs other than a node's profile
changes the hashes: the identity config and the comparison SQL are in every hash (all pairs rescored),
a later as-of or a raw row deleted changes or removes the affected nodes, an earlier as-of too.
`--full-refresh` or `--vars '{identity_full_refresh: true}'` rescores every pair.

int_record_matches_state records the int_source_records version the pairs describe. When it equals the
version of int_identity_nodes (built after this model in the same run), every node of the pairs is one of
those nodes, and the update in place probes only the changed ones (update_kept_pairs' `written_with`);
otherwise (a build that stopped between the two) it joins every pair with every node.

The node profiles a day recomputes are saved for int_identity_nodes (int_record_matches_fresh and _state,
orchestration.identity.fresh_nodes), which then does not scan every record again. The nodes whose pairs were
rescored and those pairs' scores are saved for int_persons_clustered (int_record_matches_dirty and
_dirty_pairs), which then finds the dirty nodes' merge partners without scanning every pair. When the clusters
can be updated in place, the nodes they will cluster again and every pair inside them are saved too
(int_record_matches_cluster_keys / _pairs / _state, orchestration.identity.cluster_update): the scan of
the kept pairs that finds the stale nodes' rows keeps those nodes' pairs, so int_persons_clustered reads no
other pair (one scan of every pair a day instead of two)."""

from orchestration.identity import (
    NodeSource,
    changed_pairs_relation,
    identity_config_for,
    node_source,
    update_kept_pairs,
)
from orchestration.identity.cluster_update import (
    DIRTY_PAIRS,
    affected_keys,
    cannot_link_sql,
    clear_cluster_pairs,
    clusters_updatable,
    save_cluster_pairs,
)
from orchestration.identity.fresh_nodes import save_fresh_nodes
from orchestration.settings import Settings


def _exists(session, schema: str, name: str) -> bool:
    return bool(
        session.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def _record_dirty_nodes(session, schema: str, version: int | None, complete: bool) -> None:
    """The nodes whose pairs this build rescored (new, changed or gone: id_dirty_nodes, id_gone_nodes), for
    int_persons_clustered, kept per int_source_records version (a second build of one version adds to the
    first's). Beside them the rescored pairs' scores (DIRTY_PAIRS: every pair a dirty node has now), so the
    clustering finds the dirty nodes' merge partners there instead of scanning every pair (15.8M at 1M
    leads); `complete` False (a build that rescored every pair) leaves them out and says so."""
    table = f'"{schema}"."int_record_matches_dirty"'
    pairs = f'"{schema}"."{DIRTY_PAIRS}"'
    # Spark runs this model in a fresh in-memory DuckDB (scale.spark_python_models): no schema there yet.
    session.execute(f'create schema if not exists "{schema}"')
    session.execute(f"create table if not exists {table} (source_version bigint, person_key varchar)")
    session.execute(f"delete from {table} where source_version is distinct from ?", [version])
    # Only keys not listed yet: a repeated full build of one version would otherwise add every node again.
    session.execute(
        f"""
        insert into {table}
        select ?, person_key from (
            select person_key from id_dirty_nodes union select person_key from id_gone_nodes
        ) as rescored
        anti join {table} as listed on rescored.person_key = listed.person_key
        """,
        [version],
    )
    # One row without keys per build says whether its pairs are all listed.
    session.execute(
        f"""
        create table if not exists {pairs} (
            source_version bigint, complete boolean, person_key_l varchar, person_key_r varchar,
            match_weight double, accepted boolean, vetoed boolean
        )
        """
    )
    session.execute(f"delete from {pairs} where source_version is distinct from ?", [version])
    session.execute(f"insert into {pairs} (source_version, complete) values (?, ?)", [version, complete])
    if complete:
        session.execute(
            f"""
            insert into {pairs}
            select ?, true, person_key_l, person_key_r, match_weight, accepted, vetoed from id_changed_pairs
            """,
            [version],
        )


def _version(session, table: str) -> int | None:
    """The one source_version of `table` (None: missing, empty, several or none)."""
    low, high = session.execute(f"select min(source_version), max(source_version) from {table}").fetchall()[0]
    return low if low is not None and low == high else None


def _written_with(session, schema: str, previous_nodes: str) -> str | None:
    """The last build's node profiles when the kept pairs were written with exactly those nodes."""
    if not _exists(session, schema, "int_record_matches_state"):
        return None
    columns = {
        name
        for (name,) in session.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, "int_identity_nodes"],
        ).fetchall()
    }
    if not {"person_key", "record_key", "source_version"} <= columns:
        return None
    pairs_version = _version(session, f'"{schema}"."int_record_matches_state"')
    if pairs_version is None or pairs_version != _version(session, previous_nodes):
        return None
    return previous_nodes


def _record_state(session, schema: str, version: int | None) -> None:
    """The records version the pairs describe once this build's are in (see _written_with)."""
    value = "null" if version is None else str(int(version))
    session.execute(
        f'create or replace table "{schema}"."int_record_matches_state" as '
        f"select cast({value} as bigint) as source_version"
    )


def model(dbt, session):
    # A new comparison column changes every hash (all pairs rescored), so syncing columns is exact.
    dbt.config(materialized="incremental", incremental_strategy="append", on_schema_change="sync_all_columns")
    records = dbt.ref("int_source_records")
    records.create_view("id_source_records", replace=True)
    config = identity_config_for(Settings().config_dir)
    schema = dbt.this.schema
    full_refresh = str(dbt.config.get("identity_full_refresh")).lower() in ("true", "1")
    # Node profiles: the last build's, with only the nodes whose records changed recomputed.
    nodes = node_source(session, schema, "int_source_records", schema, "int_identity_nodes")
    if not dbt.is_incremental:
        # Every pair, read once by dbt's write (no temp table of them first); every node's profile saved
        # for int_identity_nodes (fresh_nodes), which then does not group every record again.
        changed = changed_pairs_relation(session, "id_source_records", config, None, materialize=False)
        save_fresh_nodes(session, schema, NodeSource(version=nodes.version), config)
        _record_dirty_nodes(session, schema, nodes.version, complete=False)
        clear_cluster_pairs(session, schema)
        _record_state(session, schema, nodes.version)
        return changed
    previous_nodes = None
    if full_refresh:
        nodes = NodeSource(version=nodes.version)
    elif _exists(session, schema, "int_identity_nodes"):
        previous_nodes = f'"{schema}"."int_identity_nodes"'
    # No previous hashes: every node counts as new, so every kept pair is deleted and all are rescored.
    # Scored into a DuckDB temp table (not Python memory) before the kept pairs are touched.
    written_with = None if previous_nodes is None else _written_with(session, schema, previous_nodes)
    changed = changed_pairs_relation(
        session, "id_source_records", config, previous_nodes, nodes, known=written_with is not None
    )
    # The recomputed profiles for int_identity_nodes (it runs next on the same source: no second scan).
    save_fresh_nodes(session, schema, nodes, config)
    _record_dirty_nodes(session, schema, nodes.version, complete=previous_nodes is not None)
    # The nodes int_persons_clustered will cluster again, when it can update in place: the scan of the kept
    # pairs keeps theirs too, saved for it (it then reads no other pair).
    weight = config.cannot_link_below_weight
    clustered = (
        written_with is not None
        and clusters_updatable(session, schema, nodes.version)
        and affected_keys(session, schema, nodes.version, cannot_link_sql(weight), None)
    )
    scan_also = "id_cluster_affected_keys" if clustered else None
    update_kept_pairs(session, f'"{schema}"."int_record_matches"', written_with, scan_also)
    if clustered:
        save_cluster_pairs(session, schema, nodes.version, weight)
    else:
        clear_cluster_pairs(session, schema)
    _record_state(session, schema, nodes.version)
    return changed
