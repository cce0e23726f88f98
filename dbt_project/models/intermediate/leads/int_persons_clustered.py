"""Identity nodes -> person: connected components of accepted pairs with a cannot-link guard
(orchestration.identity.cluster_node_indexes). person_id is a hash of the cluster's earliest-seen node, so
it is stable as records arrive and identical between a full refresh and an incremental replay.

Nodes are numbered in first-seen order and pairs arrive in merge order (strongest first, ties by keys)
as integer arrays: the per-pair Python objects cost 48 s at 100k leads, the arrays about 7 s.

Most pairs are cannot-links (a veto or a strongly negative weight: 2.7M of 3.0M at 100k leads) and only
those inside one component of the merge pairs can stop a merge. So the merge pairs are read (sorted)
first, their components computed, and only the cannot-links within a component are read: the same
input that matters to cluster_node_indexes, without sorting and moving every pair of the history."""

import hashlib

import numpy as np
import pyarrow as pa

from orchestration.identity import cluster_node_indexes, identity_config_for, merge_components
from orchestration.settings import Settings

_PAIRS_SQL = """
select
    l.node as left_node,
    r.node as right_node,
    p.match_weight,
    coalesce(p.accepted, false) as accepted,
    coalesce(p.vetoed, false) as vetoed
from id_cluster_pairs as p
inner join id_cluster_nodes as l on p.person_key_l = l.person_key
inner join id_cluster_nodes as r on p.person_key_r = r.person_key
"""

# cluster_node_indexes' own split: a cannot-link never merges, a merge is an accepted non-cannot-link
_CANNOT_LINK = "(coalesce(p.vetoed, false) or p.match_weight < {weight!r})"


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("int_source_records").create_view("id_cluster_records", replace=True)
    dbt.ref("int_record_matches").create_view("id_cluster_pairs", replace=True)
    config = identity_config_for(Settings().config_dir)
    cannot_link = _CANNOT_LINK.format(weight=config.cannot_link_below_weight)
    session.execute(
        """
        create or replace temp table id_cluster_nodes as
        select
            person_key,
            cast(row_number() over (order by min(event_at) nulls last, person_key) - 1 as bigint) as node
        from id_cluster_records
        where has_identity
        group by person_key
        """
    )
    keys = session.sql("select person_key from id_cluster_nodes order by node").to_arrow_table().column(0)
    merges = session.sql(
        f"""{_PAIRS_SQL}
        where coalesce(p.accepted, false) and not {cannot_link}
        order by p.match_weight desc, p.person_key_l, p.person_key_r
        """
    ).to_arrow_table()
    component = merge_components(
        len(keys), merges.column("left_node").to_numpy(), merges.column("right_node").to_numpy()
    )
    components = pa.table({"node": np.arange(len(keys)), "component": component})
    session.register("id_cluster_components", components)
    guards = session.sql(
        f"""
        select pairs.* from ({_PAIRS_SQL} where {cannot_link}) as pairs
        inner join id_cluster_components as cl on pairs.left_node = cl.node
        inner join id_cluster_components as cr on pairs.right_node = cr.node
        where cl.component = cr.component
        """
    ).to_arrow_table()
    session.unregister("id_cluster_components")
    session.execute("drop table id_cluster_nodes")
    pairs = pa.concat_tables([merges, guards.cast(merges.schema)])
    representative = cluster_node_indexes(
        len(keys),
        pairs.column("left_node").to_numpy(),
        pairs.column("right_node").to_numpy(),
        pairs.column("match_weight").to_numpy(),
        pairs.column("accepted").to_numpy(),
        pairs.column("vetoed").to_numpy(),
        config.cannot_link_below_weight,
    )
    cluster_keys = keys.take(pa.array(representative))
    return pa.table(
        {
            "person_key": keys,
            "cluster_key": cluster_keys,
            "person_id": ["P" + hashlib.md5(k.encode()).hexdigest()[:15] for k in cluster_keys.to_pylist()],
        }
    )
