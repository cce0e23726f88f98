"""Lead-episode rules from the practice's config/identity.yaml (one row), for the SQL models that split
records into episodes and attribute shared-contact records, so the windows live in config, not SQL."""

import pyarrow as pa

from orchestration.identity import identity_config_for
from orchestration.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    rules = identity_config_for(Settings().config_dir).episodes
    return pa.table({"idle_days": pa.array([rules.idle_days], pa.int32())})
