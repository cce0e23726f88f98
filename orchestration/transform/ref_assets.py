"""The `ref` schema as assets: practice config + ZIP database, loaded before dbt reads them as sources."""

from __future__ import annotations

from collections.abc import Iterator

from dagster import AssetSpec, MaterializeResult, multi_asset

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
        counts = load_reference_data(con, config)
    progress(f"ref: {counts['clinics']} clinics, {counts['payers']} payers, {counts['zip_codes']} ZIP codes")
    for table in REF_TABLES:
        yield MaterializeResult(asset_key=["ref", table], metadata={"rows": counts[table]})
