"""Every identity node as of this build: its profile (the values matching compares), the profile hash
(orchestration.identity.node_table) and the int_source_records version it describes.

Built after int_record_matches, so the next build's matching can tell which nodes are new or changed
and score only the pairs that touch them. The next build also copies the profiles of nodes whose records
did not change (int_source_records_changes) and recomputes only the others (node_profiles.node_source), or
takes the others' profiles int_record_matches just recomputed from the same source (fresh_nodes).

A dbt incremental model: when the profiles here describe the previous records version (copy-forward), the
rows of the changed person_keys are deleted and their profiles now appended, and every row takes the new
version; the other rows are not rewritten. Otherwise (also when the scoring parameters changed, which
changes every hash), or with `--vars '{identity_full_refresh: true}'`, every node is recomputed (the rows
deleted, all appended). The plan and, for an increment, the keys it recomputed go to int_identity_nodes_run /
_scope, so the daily unique test looks up only those (orchestration.identity.increment_plan)."""

from orchestration.identity import NodeSource, identity_config_for, node_source, node_table
from orchestration.identity.fresh_nodes import saved_all_nodes, saved_fresh_nodes
from orchestration.identity.increment_plan import record_plan
from orchestration.identity.pair_scoring import changed_node_table, same_salt
from orchestration.settings import Settings


def _all_nodes(session, schema: str, config, nodes: NodeSource):
    """node_table's rows of every node: a full recompute takes the profiles int_record_matches just built
    from the same records version when it saved them all (fresh_nodes.saved_all_nodes), else groups every
    record again. Those are read once, by dbt's write (their table is in person_key order), not copied."""
    saved = saved_all_nodes(session, schema, nodes.version, config) if nodes.previous is None else None
    if saved is None:
        return node_table(session, "id_hash_records", config, nodes)
    return session.sql(f"select *, cast({int(nodes.version)} as bigint) as source_version from {saved}")


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    dbt.ref("int_record_matches")  # ordering: the hashes describe the pairs just scored
    dbt.ref("int_source_records").create_view("id_hash_records", replace=True)
    schema = dbt.this.schema
    config = identity_config_for(Settings().config_dir)
    nodes = node_source(session, schema, "int_source_records", schema, "int_identity_nodes")
    full = str(dbt.config.get("identity_full_refresh")).lower() in ("true", "1")
    if not dbt.is_incremental:
        record_plan(session, schema, "int_identity_nodes", "create")
        return _all_nodes(session, schema, config, NodeSource(version=nodes.version) if full else nodes)
    this = f'"{schema}"."int_identity_nodes"'
    # A full recompute also when the scoring parameters changed: every hash changes with them.
    if full or nodes.previous != this or not same_salt(session, this, config):
        rows = _all_nodes(session, schema, config, NodeSource(version=nodes.version) if full else nodes)
        session.execute(f"delete from {this}")  # after: copied profiles are read from this table
        record_plan(session, schema, "int_identity_nodes", "full")
        return rows
    # The profiles int_record_matches recomputed for this same source, when it saved them (else recomputed).
    saved = saved_fresh_nodes(session, schema, nodes, config)
    changed = changed_node_table(session, "id_hash_records", config, nodes, saved)
    session.execute(f"delete from {this} where person_key in (select person_key from id_changed_keys)")
    record_plan(session, schema, "int_identity_nodes", "increment", scope="id_changed_keys")
    version = "null" if nodes.version is None else str(int(nodes.version))
    session.execute(
        f"update {this} set source_version = {version} where source_version is distinct from {version}"
    )
    return changed
