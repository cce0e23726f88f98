"""Scored candidate pairs of identity nodes (Fellegi-Sunter match weights per comparison), for audit.

The set work (blocking, comparison levels, weights) runs in DuckDB through
orchestration.identity.score_pairs; parameters come from config/identity.yaml."""

from orchestration.identity import identity_config_for, score_pairs
from orchestration.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    records = dbt.ref("int_source_records")
    records.create_view("id_source_records", replace=True)
    config = identity_config_for(Settings().config_dir)
    return score_pairs(session, "id_source_records", config)
