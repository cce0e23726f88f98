"""Profile hash of every identity node as of this build (orchestration.identity.node_hashes).

Built after int_record_matches, so the next build's matching can tell which nodes are new or changed
and score only the pairs that touch them."""

from orchestration.identity import identity_config_for, node_hashes
from orchestration.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("int_record_matches")  # ordering: the hashes describe the pairs just scored
    dbt.ref("int_source_records").create_view("id_hash_records", replace=True)
    return node_hashes(session, "id_hash_records", identity_config_for(Settings().config_dir))
