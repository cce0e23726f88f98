"""The weekly retrain: a schedule on a job that materialises exactly the train asset, and it loads."""

from __future__ import annotations

from dagster import AssetSelection, DefaultScheduleStatus, Definitions, define_asset_job, materialize
from ml_feature_fixture import synthetic_features, write_feature_mart

from orchestration import definitions
from orchestration.schedules import (
    DAILY_RUN,
    FALLBACK_TIMEZONE,
    TRAIN_ASSET_KEY,
    TRAIN_JOB_NAME,
    WEEKLY_TRAIN,
    practice_timezone,
)
from orchestration.sensors import PIPELINE_JOB_NAME
from orchestration.settings import Settings
from orchestration.transform.ml_scores import lead_scoring_model


def _check(defs: Definitions) -> None:
    train_job = defs.resolve_job_def(TRAIN_JOB_NAME)
    assert train_job.asset_layer.executable_asset_keys == {TRAIN_ASSET_KEY}
    assert defs.resolve_schedule_def("weekly_train").job_name == TRAIN_JOB_NAME
    assert defs.resolve_schedule_def("weekly_train").cron_schedule == "0 2 * * 1"
    # the daily run scores with the champion; it must not retrain every morning
    daily = defs.resolve_job_def(defs.resolve_schedule_def("daily_pipeline").job_name)
    assert TRAIN_ASSET_KEY not in daily.asset_layer.executable_asset_keys


def test_weekly_schedule_targets_the_train_job_and_definitions_load(tmp_path) -> None:
    """Definitions wired the way orchestration/definitions.py should be (see the wiring test below)."""
    settings = Settings(warehouse=tmp_path / "warehouse.duckdb")
    everything_but_train = AssetSelection.all() - AssetSelection.assets(TRAIN_ASSET_KEY)
    defs = Definitions(
        assets=[*definitions.ALL_ASSETS, lead_scoring_model],
        jobs=[define_asset_job(PIPELINE_JOB_NAME, selection=everything_but_train)],
        schedules=[DAILY_RUN, WEEKLY_TRAIN],
        resources=definitions.build_resources(settings),
    )
    _check(defs)


def test_the_code_location_carries_the_weekly_train() -> None:
    _check(definitions.defs)


def test_train_asset_retrains_and_reports_the_gate(make_settings) -> None:
    settings = make_settings()
    write_feature_mart(settings.warehouse, synthetic_features(600, seed=4))
    runs = [
        materialize([lead_scoring_model], resources=definitions.build_resources(settings)) for _ in range(2)
    ]
    meta = [r.asset_materializations_for_node("ml__lead_scoring_model")[0].metadata for r in runs]
    assert meta[0]["trained"].value is True and meta[1]["trained"].value is True
    assert meta[1]["version"].value != meta[0]["version"].value
    # the first model is gated against the cold-start rules (here they are the synthetic signal's own form
    # and win), later ones against the champion if one exists: promoted means champion, else challenger
    assert "cold-start rules'" in meta[0]["gate"].value
    for m in meta:
        assert m["alias"].value == ("champion" if m["promoted"].value else "challenger")
        assert m["gate"].value.startswith("holdout")


def test_schedules_run_in_the_practice_time_zone_and_start_switched_on(tmp_path) -> None:
    (tmp_path / "practice.yaml").write_text(
        "name: Mountain PT\nclinics:\n  - {id: DEN, name: Denver, zip: '80202', timezone: America/Denver}\n",
        encoding="utf-8",
    )
    assert practice_timezone(tmp_path) == "America/Denver"
    assert practice_timezone(tmp_path / "missing") == FALLBACK_TIMEZONE
    assert DAILY_RUN.default_status == WEEKLY_TRAIN.default_status == DefaultScheduleStatus.RUNNING
    assert DAILY_RUN.execution_timezone == practice_timezone(Settings().config_dir)
