"""The `ref` schema as assets: practice config + ZIP database, loaded before dbt reads them as sources.
The same step creates every declared raw table, so a practice with no files yet for a source (no HL7
feed, say) still builds: its staging models read an empty table."""

from __future__ import annotations

from collections.abc import Iterator

from dagster import AssetSpec, MaterializeResult, multi_asset

from orchestration.ingest.framework import ensure_raw_schema
from orchestration.ingest.sources import SOURCES
from orchestration.practice_config import load_practice_config
from orchestration.resources import PtleadsSettings, WarehouseResource, progress
from orchestration.transform.reference_data import load_reference_data

REF_TABLES = ("payers", "payer_aliases", "diagnosis_groups", "clinics", "therapists", "zip_codes")


@multi_asset(
    specs=[
        AssetSpec(["ref", t], group_name="ingest", description=f"ref.{t} from config/") for t in REF_TABLES
    ],
    name="reference_data",
)
def reference_data(settings: PtleadsSettings, warehouse: WarehouseResource) -> Iterator[MaterializeResult]:
    config = load_practice_config(settings.to_settings().config_dir)
    with warehouse.connect() as con:
        ensure_raw_schema(con, SOURCES)
        counts = load_reference_data(con, config)
    progress(f"ref: {counts['clinics']} clinics, {counts['payers']} payers, {counts['zip_codes']} ZIP codes")
    for table in REF_TABLES:
        yield MaterializeResult(asset_key=["ref", table], metadata={"rows": counts[table]})
