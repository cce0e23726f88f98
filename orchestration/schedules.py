"""A daily full run before the clinics open, so every morning's call list is fresh; a weekly retrain."""

from __future__ import annotations

from dagster import AssetKey, AssetSelection, ScheduleDefinition, define_asset_job

from orchestration.sensors import PIPELINE_JOB_NAME

DAILY_RUN = ScheduleDefinition(
    name="daily_pipeline",
    job_name=PIPELINE_JOB_NAME,
    cron_schedule="0 5 * * *",
    execution_timezone="America/Chicago",
)

# Weekly retrain (Monday 02:00, so that morning's 05:00 run scores with the outcome): the `train` asset fits
# both model families on the feature mart, registers a challenger and lets the promotion gate decide.
TRAIN_ASSET_KEY = AssetKey(["ml", "lead_scoring_model"])
TRAIN_JOB_NAME = "weekly_train"
TRAIN_JOB = define_asset_job(TRAIN_JOB_NAME, selection=AssetSelection.assets(TRAIN_ASSET_KEY))
WEEKLY_TRAIN = ScheduleDefinition(
    name="weekly_train",
    job=TRAIN_JOB,
    cron_schedule="0 2 * * 1",
    execution_timezone="America/Chicago",
)
