"""Identity nodes -> person: connected components of accepted pairs with a cannot-link guard
(orchestration.identity.cluster_nodes). person_id is a hash of the cluster's earliest-seen node, so it
is stable as records arrive and identical between a full refresh and an incremental replay."""

import hashlib

import pyarrow as pa

from orchestration.identity import ScoredPair, cluster_nodes, identity_config_for
from orchestration.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("int_source_records").create_view("id_cluster_records", replace=True)
    dbt.ref("int_record_matches").create_view("id_cluster_pairs", replace=True)
    config = identity_config_for(Settings().config_dir)
    nodes = session.execute(
        """
        select person_key
        from id_cluster_records
        where has_identity
        group by person_key
        order by min(event_at) nulls last, person_key
        """
    ).fetchall()
    pairs = session.execute(
        "select person_key_l, person_key_r, match_weight, accepted, vetoed from id_cluster_pairs"
    ).fetchall()
    clusters = cluster_nodes(
        (n for (n,) in nodes),
        (
            ScoredPair(left, right, weight, accepted, vetoed)
            for left, right, weight, accepted, vetoed in pairs
        ),
        config.cannot_link_below_weight,
    )
    keys = sorted(clusters)
    return pa.table(
        {
            "person_key": keys,
            "cluster_key": [clusters[k] for k in keys],
            "person_id": ["P" + hashlib.md5(clusters[k].encode()).hexdigest()[:15] for k in keys],
        }
    )
