"""The product's ingest is one Dagster step over every source (ingest_sources, overlapped), and a subset
selection ingests only the selected sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from dagster import DagsterInstance, materialize

from orchestration.definitions import build_resources
from orchestration.ingest.assets import INGEST_STEP, ingest_inbox, raw_key
from orchestration.ingest.sources import SOURCES, source_by_name
from orchestration.resources import set_progress_hook
from orchestration.settings import REPO_ROOT, Settings

FIXTURES = REPO_ROOT / "tests" / "fixtures"


def _settings(tmp_path: Path) -> Settings:
    inbox = tmp_path / "inbox"
    (inbox / "fhir").mkdir(parents=True)
    (inbox / "emr_csv").mkdir()
    shutil.copy(FIXTURES / "fhir" / "Patient-example.json", inbox / "fhir")
    shutil.copy(FIXTURES / "emr_csv" / "Prompt_Referrals_2025-03.csv", inbox / "emr_csv")
    return Settings().with_overrides(
        inbox=inbox, warehouse=tmp_path / "w.duckdb", config_dir=REPO_ROOT / "config"
    )


def _materialize(settings: Settings, selection=None):
    return materialize(
        [ingest_inbox],
        selection=selection,
        resources=build_resources(settings),
        instance=DagsterInstance.ephemeral(),
    )


def _logged_sources(settings: Settings) -> set[str]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT DISTINCT source FROM raw.ingest_log").fetchall()}


def test_every_source_is_ingested_in_one_step(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    messages: list[str] = []
    set_progress_hook(messages.append)
    try:
        result = _materialize(settings)
    finally:
        set_progress_hook(None)
    assert result.success
    steps = {e.step_key for e in result.all_events if e.is_step_success}
    assert steps == {INGEST_STEP}
    every_key = {raw_key(s, t.name) for s in SOURCES for t in s.tables}
    assert {m.asset_key for m in result.asset_materializations_for_node(INGEST_STEP)} == every_key
    assert _logged_sources(settings) == {"fhir", "emr_csv"}
    # One summary line per source, as staff saw with one step per source.
    for source in SOURCES:
        assert sum(m.startswith(f"{source.name}: ") for m in messages) == 1, source.name
    fhir = next(
        m
        for m in result.asset_materializations_for_node(INGEST_STEP)
        if m.asset_key == raw_key(source_by_name("fhir"), "fhir_patients")
    )
    assert fhir.metadata["rows"].value == 1
    assert fhir.metadata["new_records_this_run"].value >= 1


def test_a_subset_selection_ingests_only_its_sources(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    fhir = source_by_name("fhir")
    wanted = {raw_key(fhir, t.name) for t in fhir.tables}
    result = _materialize(settings, selection=sorted(wanted, key=str))
    assert result.success
    assert {m.asset_key for m in result.asset_materializations_for_node(INGEST_STEP)} == wanted
    assert _logged_sources(settings) == {"fhir"}
    assert (settings.inbox / "emr_csv" / "Prompt_Referrals_2025-03.csv").exists()


def test_the_pipeline_job_has_one_ingest_step() -> None:
    from orchestration.definitions import defs, pipeline_job

    job = defs.resolve_job_def(pipeline_job.name)
    ingest_nodes = [n.name for n in job.graph.nodes if n.name.startswith("ingest_")]
    assert ingest_nodes == [INGEST_STEP]
    assets = {k for k in job.asset_layer.executable_asset_keys if k.path[0] == "raw"}
    assert {raw_key(s, t.name) for s in SOURCES for t in s.tables} <= assets
