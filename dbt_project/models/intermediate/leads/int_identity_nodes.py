"""Every identity node as of this build: its profile (the values matching compares), the profile hash
(orchestration.identity.node_table) and the int_source_records version it describes.

Built after int_record_matches, so the next build's matching can tell which nodes are new or changed
and score only the pairs that touch them. The next build also copies the profiles of nodes whose records
did not change (int_source_records_changes) and recomputes only the others (node_profiles.node_source);
`--vars '{identity_full_refresh: true}'` recomputes every node."""

from orchestration.identity import NodeSource, identity_config_for, node_source, node_table
from orchestration.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("int_record_matches")  # ordering: the hashes describe the pairs just scored
    dbt.ref("int_source_records").create_view("id_hash_records", replace=True)
    schema = dbt.this.schema
    nodes = node_source(session, schema, "int_source_records", schema, "int_identity_nodes")
    if str(dbt.config.get("identity_full_refresh")).lower() in ("true", "1"):
        nodes = NodeSource(version=nodes.version)
    return node_table(session, "id_hash_records", identity_config_for(Settings().config_dir), nodes)
