"""The one Dagster code location: ingestion, reference data, dbt (three phases), scoring, actions, publish."""

from __future__ import annotations

import os

import orchestration.scipy_first  # noqa: F401  (before Dagster and dbt: the scoring's skops import is then cheap)

# isort: split
from dagster import AssetsDefinition, AssetSelection, Definitions, define_asset_job
from dagster_dbt import DbtCliResource

from orchestration.actions.assets import ACTION_ASSETS
from orchestration.actions.run_push import call_list_push_asset
from orchestration.ingest.assets import INGEST_ASSETS
from orchestration.resources import PtleadsSettings, WarehouseResource
from orchestration.schedules import DAILY_RUN, TRAIN_ASSET_KEY, TRAIN_JOB, WEEKLY_TRAIN
from orchestration.sensors import INBOX_SENSORS, PIPELINE_JOB_NAME
from orchestration.serving.assets import publish_snapshot
from orchestration.settings import Settings
from orchestration.transform.dbt_assets import dbt_phase1, dbt_phase2, dbt_phase3
from orchestration.transform.dbt_cli import installed_dbt
from orchestration.transform.dbt_project_files import DBT_PROJECT
from orchestration.transform.ml_scores import lead_scores, lead_scoring_model, ml_drift
from orchestration.transform.ref_assets import reference_data

ALL_ASSETS: list[AssetsDefinition] = [
    *INGEST_ASSETS,
    reference_data,
    dbt_phase1,
    lead_scores,
    dbt_phase2,
    *ACTION_ASSETS,
    call_list_push_asset,
    ml_drift,
    dbt_phase3,
    publish_snapshot,
]


def build_resources(settings: Settings, *, as_of_per_run: bool = False) -> dict[str, object]:
    return {
        "settings": PtleadsSettings.from_settings(settings, as_of_per_run=as_of_per_run),
        "warehouse": WarehouseResource(path=str(settings.warehouse)),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=installed_dbt()),
    }


# The daily run (and `run_pipeline`, which materialises ALL_ASSETS) scores with the champion; retraining is
# the weekly schedule's, the CLI's (`ptleads train`) and the app's job, never a side effect of a morning run.
pipeline_job = define_asset_job(
    PIPELINE_JOB_NAME, selection=AssetSelection.all() - AssetSelection.assets(TRAIN_ASSET_KEY)
)

defs = Definitions(
    assets=[*ALL_ASSETS, lead_scoring_model],
    jobs=[pipeline_job, TRAIN_JOB],
    sensors=INBOX_SENSORS,
    schedules=[DAILY_RUN, WEEKLY_TRAIN],
    # Loaded once, kept for days: each scheduled or sensor run takes its own as-of (its start), unless
    # PTLEADS_AS_OF pins one (replays).
    resources=build_resources(Settings(), as_of_per_run=not os.environ.get("PTLEADS_AS_OF")),
)
