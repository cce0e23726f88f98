"""Scored candidate pairs of identity nodes (Fellegi-Sunter match weights per comparison), for audit.

The set work (blocking, comparison levels, weights) runs in DuckDB through
orchestration.identity.score_pairs; parameters come from config/identity.yaml.

Incremental by construction: when the last build's pairs and node hashes (int_identity_nodes) exist,
pairs between nodes whose profile is unchanged are copied and only pairs touching new or changed
nodes are scored, which gives exactly the table a full scoring would (a full refresh rescores all)."""

from orchestration.identity import identity_config_for, score_pairs
from orchestration.settings import Settings


def _exists(session, schema: str, name: str) -> bool:
    return bool(
        session.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def model(dbt, session):
    dbt.config(materialized="table")
    records = dbt.ref("int_source_records")
    records.create_view("id_source_records", replace=True)
    config = identity_config_for(Settings().config_dir)
    schema = dbt.this.schema
    previous = None
    # `--vars '{identity_full_refresh: true}'` rescores every pair (the result is the same either way).
    full_refresh = str(dbt.config.get("identity_full_refresh")).lower() in ("true", "1")
    if (
        not full_refresh
        and _exists(session, schema, "int_record_matches")
        and _exists(session, schema, "int_identity_nodes")
    ):
        session.execute(
            f'create or replace temp table id_previous_pairs as select * from "{schema}"."int_record_matches"'
        )
        session.execute(
            f'create or replace temp table id_previous_nodes as select * from "{schema}"."int_identity_nodes"'
        )
        previous = ("id_previous_pairs", "id_previous_nodes")
    return score_pairs(session, "id_source_records", config, previous)
