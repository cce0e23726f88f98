"""A daily full run before the clinics open, so every morning's call list is fresh; a weekly retrain.

Both run in the practice's own time zone (its first clinic's, from practice.yaml) and start switched on:
a practice that launches Dagster expects tomorrow morning's list without first finding a toggle."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

from orchestration.practice_config import ConfigError, load_validated_yaml
from orchestration.practice_config import Practice as PracticeFile
from orchestration.sensors import PIPELINE_JOB_NAME
from orchestration.settings import Settings

FALLBACK_TIMEZONE = "America/Chicago"  # the demo practice's; only without a readable practice.yaml


def practice_timezone(config_dir: Path) -> str:
    """The first clinic's IANA time zone; the fallback when practice.yaml is missing or invalid (the run
    itself then fails with the config error, which is where a practice should read it)."""
    try:
        practice = load_validated_yaml(config_dir / "practice.yaml", PracticeFile)
    except ConfigError:
        return FALLBACK_TIMEZONE
    return practice.clinics[0].timezone if practice.clinics else FALLBACK_TIMEZONE


_TIMEZONE = practice_timezone(Settings().config_dir)

DAILY_RUN = ScheduleDefinition(
    name="daily_pipeline",
    job_name=PIPELINE_JOB_NAME,
    cron_schedule="0 5 * * *",
    execution_timezone=_TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
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
    execution_timezone=_TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
)
