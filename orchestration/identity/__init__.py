"""Identity resolution: pure functions the dbt Python models call (pair scoring in DuckDB, clustering)."""

from orchestration.identity.clustering import (
    ScoredPair,
    cluster_node_indexes,
    cluster_nodes,
    merge_components,
)
from orchestration.identity.config import (
    IdentityConfig,
    identity_config_for,
    load_identity_config,
    match_probability,
)
from orchestration.identity.kept_pairs import update_kept_pairs
from orchestration.identity.node_profiles import NODE_COLUMNS, NodeSource, node_source
from orchestration.identity.pair_scoring import (
    BLOCKING_RULES,
    changed_pairs_relation,
    config_fingerprint,
    identity_nodes,
    node_hashes,
    node_table,
    score_changed_pairs,
    score_pairs,
)

__all__ = [
    "BLOCKING_RULES",
    "NODE_COLUMNS",
    "IdentityConfig",
    "NodeSource",
    "ScoredPair",
    "changed_pairs_relation",
    "cluster_node_indexes",
    "cluster_nodes",
    "config_fingerprint",
    "identity_config_for",
    "identity_nodes",
    "load_identity_config",
    "match_probability",
    "merge_components",
    "node_hashes",
    "node_source",
    "node_table",
    "score_changed_pairs",
    "score_pairs",
    "update_kept_pairs",
]
