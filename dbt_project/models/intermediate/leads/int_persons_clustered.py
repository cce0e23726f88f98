"""Identity nodes -> person: connected components of accepted pairs with a cannot-link guard
(orchestration.identity.cluster_node_indexes). person_id is a hash of the cluster's earliest-seen node, so
it is stable as records arrive and identical between a full refresh and an incremental replay.

Nodes (int_identity_nodes) are numbered in first-seen order and pairs arrive in merge order (strongest
first, ties by keys) as integer arrays: the per-pair Python objects cost 48 s at 100k leads, the arrays
about 7 s. Most pairs are cannot-links (2.7M of 3.0M at 100k leads) and only those inside one component
of the merge pairs can stop a merge, so only those are read.

A dbt incremental model. Daily, only the components the day touched are clustered again, in place
(orchestration.identity.cluster_update.recluster_touched): when the last build's rows describe the previous
int_source_records version, the touched nodes are the person_keys whose records changed
(int_source_records_changes) and the nodes whose pairs were rescored (int_record_matches_dirty, their merge
partners read from the rescored pairs int_record_matches lists in int_record_matches_dirty_pairs); their rows
and those of their components are replaced, every other row keeps its values. The pairs among them come from
int_record_matches_cluster_pairs when int_record_matches saved them for this state (its scan of the kept
pairs), else from every pair. Otherwise, or with
identity_full_refresh, every node is clustered. The nodes clustered again are listed in
int_persons_clustered_changes; the plan and the keys deleted and recomputed in int_persons_clustered_run /
_scope, for the daily unique test (orchestration.identity.increment_plan)."""

import numpy as np
import pyarrow as pa

from orchestration.identity import cluster_node_indexes, identity_config_for, merge_components
from orchestration.identity.cluster_update import (
    CLUSTER_ROWS_SQL,
    cannot_link_sql,
    cluster_rows,
    clusters_updatable,
    recluster_touched,
)
from orchestration.identity.increment_plan import record_plan
from orchestration.settings import Settings

# match_weight as a double: as the DECIMAL it is stored as, numpy got an array of Python Decimals (slow to
# build and to compare with the cannot-link weight). The exact (decimal) cannot-link test rides in vetoed,
# so cluster_node_indexes' vetoed | (weight < cannot_link_below_weight) is the SQL's cannot-link even for a
# weight that rounds onto the bar; the pairs' order stays that of the stored decimal.
_PAIRS_SQL = """
select
    l.node as left_node,
    r.node as right_node,
    cast(p.match_weight as double) as match_weight,
    coalesce(p.accepted, false) as accepted,
    coalesce({cannot_link}, false) as vetoed
from id_cluster_pairs as p
inner join {nodes} as l on p.person_key_l = l.person_key
inner join {nodes} as r on p.person_key_r = r.person_key
"""


def _one(session, sql: str, params: list | None = None):
    return session.execute(sql, params or []).fetchall()[0]


def _cluster_all(session, cannot_link: str, cannot_link_below_weight: float) -> None:
    """Every node clustered: temp table id_cluster_new (person_key, cluster_key, person_id, component_key)."""
    session.execute(
        """
        create or replace temp table id_cluster_nodes as
        select
            person_key,
            cast(row_number() over (order by first_seen_at nulls last, person_key) - 1 as bigint) as node
        from id_cluster_node_rows
        """
    )
    keys = session.sql("select person_key from id_cluster_nodes order by node").to_arrow_table().column(0)
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    merges = session.sql(
        f"""{_PAIRS_SQL.format(nodes="id_cluster_nodes", cannot_link=cannot_link)}
        where coalesce(p.accepted, false) and not {cannot_link}
        order by p.match_weight desc, p.person_key_l, p.person_key_r
        """
    ).to_arrow_table()
    component = merge_components(
        len(keys), merges.column("left_node").to_numpy(), merges.column("right_node").to_numpy()
    )
    # The cannot-links inside one component, joined with the nodes of components of two or more nodes only
    # (a singleton holds none): two joins of every cannot-link with narrower tables, not four.
    shared = np.bincount(component, minlength=len(keys))[component] > 1
    session.register(
        "id_cluster_components",
        pa.table(
            {
                "person_key": keys.filter(pa.array(shared)),
                "node": np.flatnonzero(shared),
                "component": component[shared],
            }
        ),
    )
    guards = session.sql(
        f"""{_PAIRS_SQL.format(nodes="id_cluster_components", cannot_link=cannot_link)}
        where {cannot_link} and l.component = r.component
        """
    ).to_arrow_table()
    session.unregister("id_cluster_components")
    pairs = pa.concat_tables([merges, guards.cast(merges.schema)])
    representative = cluster_node_indexes(
        len(keys),
        pairs.column("left_node").to_numpy(),
        pairs.column("right_node").to_numpy(),
        pairs.column("match_weight").to_numpy(),
        pairs.column("accepted").to_numpy(),
        pairs.column("vetoed").to_numpy(),
        cannot_link_below_weight,
    )
    session.register("id_cluster_new_src", cluster_rows(keys, representative, component))
    session.execute(
        f"create or replace temp table id_cluster_new as {CLUSTER_ROWS_SQL.format(src='id_cluster_new_src')}"
    )
    session.unregister("id_cluster_new_src")


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    dbt.ref("int_identity_nodes").create_view("id_cluster_node_rows", replace=True)
    dbt.ref("int_record_matches").create_view("id_cluster_pairs", replace=True)
    config = identity_config_for(Settings().config_dir)
    cannot_link = cannot_link_sql(config.cannot_link_below_weight)
    schema = dbt.this.schema
    version = _one(session, "select max(source_version) from id_cluster_node_rows")[0]
    full = str(dbt.config.get("identity_full_refresh")).lower() in ("true", "1")
    incremental = dbt.is_incremental and not full and clusters_updatable(session, schema, version)
    if incremental:
        recluster_touched(session, schema, version, cannot_link, config.cannot_link_below_weight)
        record_plan(session, schema, "int_persons_clustered", "increment", scope="id_cluster_affected_keys")
    else:
        if dbt.is_incremental:
            session.execute(f'delete from "{schema}"."int_persons_clustered"')
        _cluster_all(session, cannot_link, config.cannot_link_below_weight)
        record_plan(session, schema, "int_persons_clustered", "full" if dbt.is_incremental else "create")
    version_sql = "null" if version is None else str(int(version))
    session.execute(
        f"""
        create or replace temp table id_cluster_out as
        select *, cast({version_sql} as bigint) as source_version from id_cluster_new
        """
    )
    # The nodes clustered again (all of them when rebuilt), for int_persons_matched; the row with no
    # person_key says which version this describes even when no node was touched. (Spark runs this model
    # in a fresh in-memory DuckDB: no schema there yet.)
    session.execute(f'create schema if not exists "{schema}"')
    session.execute(
        f"""
        create or replace table "{schema}"."int_persons_clustered_changes" as
        select cast({version_sql} as bigint) as source_version, {str(not incremental).lower()} as rebuilt,
            cast(null as varchar) as person_key
        union all
        select cast({version_sql} as bigint), {str(not incremental).lower()}, person_key from id_cluster_new
        """
    )
    return session.table("id_cluster_out")
