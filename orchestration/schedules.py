"""A daily full run before the clinics open, so every morning's call list is fresh."""

from __future__ import annotations

from dagster import ScheduleDefinition

from orchestration.sensors import PIPELINE_JOB_NAME

DAILY_RUN = ScheduleDefinition(
    name="daily_pipeline",
    job_name=PIPELINE_JOB_NAME,
    cron_schedule="0 5 * * *",
    execution_timezone="America/Chicago",
)
