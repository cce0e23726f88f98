"""dbt models as Dagster assets, in three phases: phase 1 before Python scoring, phase 2 (tag `scored`)
after it, and phase 3 (tag `after_call_list`) after the call list is written. Phase 3 holds what neither
scoring, the 270 outbox nor the actions engine reads, so the staff's list does not wait for it: the lineage
mart `lead_source_records` (for the app's identity pages and analysts), `eligibility`, the reference and
reporting marts. Phase 3 and publish still run in the same `ptleads run`; a step priority
(resources.AFTER_CALL_LIST) orders phase 3 after the actions, and publish depends on it."""

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Output
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.resources import (
    AFTER_CALL_LIST,
    PtleadsSettings,
    WarehouseResource,
    progress,
    settings_env,
)
from orchestration.transform.dbt_cli import pipeline_dbt_cli
from orchestration.transform.dbt_daily_selection import (
    NO_JSON_ARTIFACTS,
    LeftOutChecksFilter,
    RunResults,
    daily_build,
    full_build_only_tests,
    read_manifest,
    record_reference_tests_passed,
    record_unit_tests_passed,
    record_views_built,
    reference_tests,
)
from orchestration.transform.dbt_project_files import DBT_PROJECT
from orchestration.transform.ml_scores import warm_scoring_imports

SCORED_TAG = "scored"
AFTER_CALL_LIST_TAG = "after_call_list"
# The warning Dagster logs when a check has no result (active.py); see LeftOutChecksFilter.
logging.getLogger("dagster._core.execution.plan.active").addFilter(
    LeftOutChecksFilter(
        full_build_only_tests(DBT_PROJECT.manifest_path) | reference_tests(DBT_PROJECT.manifest_path)
    )
)
_GROUPS = {"staging", "intermediate", "marts"}


class PtleadsDbtTranslator(DagsterDbtTranslator):
    """Model keys are [schema, model name]; groups follow the folder layer; sources keep meta asset keys."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "model":
            return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 1 else None
        return layer if layer in _GROUPS else None


TRANSLATOR = PtleadsDbtTranslator()


def _build(
    phase: str,
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    settings: PtleadsSettings,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    resolved = settings.to_settings()
    progress(f"dbt {phase}: build")
    # dbt's artifacts live beside the warehouse, one folder per phase reused by every run (a fresh
    # folder per invocation under dbt_project/target grew by ~7 MB a run, forever).
    target = resolved.warehouse.parent / "dbt_target" / context.op_def.name
    # The as-of reaches dbt as PTLEADS_AS_OF (settings_env), not --vars: new vars every run would force a
    # full re-parse of the project (macros/as_of.sql).
    results = RunResults()
    with settings_env(resolved), warehouse.locked():
        # A daily run leaves out unit tests of unchanged SQL, full-build-only tests, unchanged views and
        # dbt's JSON artifacts (dbt_daily_selection)
        build = daily_build(
            Path(DBT_PROJECT.project_dir), target, resolved.warehouse, DBT_PROJECT.manifest_path
        )
        # Views left out because their SQL is unchanged are current: told to Dagster as materialized (before
        # any model below them, in dependency order), so the assets downstream run as after a rebuild.
        nodes = read_manifest(DBT_PROJECT.manifest_path)["nodes"] if build.kept_views else {}
        for unique_id in build.kept_views:
            name = TRANSLATOR.get_asset_key(nodes[unique_id]).to_python_identifier()
            if name in context.selected_output_names:
                yield Output(
                    None, output_name=name, metadata={"ptleads/view_kept": "unchanged SQL, not recreated"}
                )
        invocation = pipeline_dbt_cli(dbt).cli(build.args, context=context, target_path=target)
        # invocation.stream(), keeping each node's result event for run_results.json
        for event in invocation.stream_raw_events():
            results.add(event.raw_event)
            yield from event.to_default_asset_events(
                manifest=invocation.manifest,
                dagster_dbt_translator=invocation.dagster_dbt_translator,
                context=invocation.context,
                target_path=invocation.target_path,
                project=invocation.project,
            )
    if NO_JSON_ARTIFACTS in build.args:
        results.write(target)
    # stream_raw_events() raised had anything failed
    if build.unit_tests is not None:
        record_unit_tests_passed(target, build.unit_tests)
    if build.reference_tests is not None:
        record_reference_tests_passed(target, build.reference_tests)
    if build.views is not None:
        record_views_built(target, build.views)
    progress(f"dbt {phase}: done, {len(results.results)} models and tests")


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    exclude=f"tag:{SCORED_TAG} tag:{AFTER_CALL_LIST_TAG}",
    dagster_dbt_translator=TRANSLATOR,
    name="dbt_phase1",
)
def dbt_phase1(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    settings: PtleadsSettings,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    """Staging, intermediate, ML features and other unscored marts."""
    # The scorer's imports (seconds of CPU) run while this process only waits for dbt's child.
    warm_scoring_imports()
    yield from _build("phase 1 (staging, intermediate, features)", context, dbt, settings, warehouse)


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    select=f"tag:{SCORED_TAG}",
    exclude=f"tag:{AFTER_CALL_LIST_TAG}",
    dagster_dbt_translator=TRANSLATOR,
    name="dbt_phase2",
)
def dbt_phase2(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    settings: PtleadsSettings,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    """Models that read scores and that the actions engine reads: fct_leads (then marts.call_list)."""
    yield from _build("phase 2 (scored marts)", context, dbt, settings, warehouse)


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    select=f"tag:{AFTER_CALL_LIST_TAG}",
    dagster_dbt_translator=TRANSLATOR,
    name="dbt_phase3",
    op_tags=AFTER_CALL_LIST,
)
def dbt_phase3(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    settings: PtleadsSettings,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    """Lineage, eligibility, reference and reporting marts: for the app and analysts, not the call list."""
    yield from _build("phase 3 (reports, after the call list)", context, dbt, settings, warehouse)
