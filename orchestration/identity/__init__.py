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
from orchestration.identity.pair_scoring import (
    BLOCKING_RULES,
    changed_pairs_relation,
    config_fingerprint,
    identity_nodes,
    node_hashes,
    score_changed_pairs,
    score_pairs,
    update_kept_pairs,
)

__all__ = [
    "BLOCKING_RULES",
    "IdentityConfig",
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
    "score_changed_pairs",
    "score_pairs",
    "update_kept_pairs",
]
