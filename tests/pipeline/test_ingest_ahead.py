"""The ingest started ahead of a run (PTLEADS_INGEST_AHEAD=1, ingest_ahead) writes what the ingest step
writes itself, and the step reports it; a failure in it fails the step with its message."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from dagster import DagsterInstance, materialize

from orchestration.definitions import build_resources
from orchestration.ingest import ingest_ahead
from orchestration.ingest.assets import INGEST_STEP, ingest_inbox
from orchestration.ingest.sources import SOURCES
from orchestration.resources import set_progress_hook
from orchestration.settings import REPO_ROOT, Settings

FIXTURES = REPO_ROOT / "tests" / "fixtures"
RAW = "SELECT source, file, sha256, bytes, records, status, reason FROM raw.ingest_log ORDER BY ALL"


def _settings(root: Path) -> Settings:
    inbox = root / "inbox"
    (inbox / "fhir").mkdir(parents=True)
    (inbox / "emr_csv").mkdir()
    shutil.copy(FIXTURES / "fhir" / "Patient-example.json", inbox / "fhir")
    shutil.copy(FIXTURES / "emr_csv" / "Prompt_Referrals_2025-03.csv", inbox / "emr_csv")
    (inbox / "fhir" / "Broken.ndjson").write_text("not json\n")
    return Settings().with_overrides(
        inbox=inbox, warehouse=root / "wh" / "w.duckdb", config_dir=REPO_ROOT / "config"
    )


def _run_step(settings: Settings, ahead: bool) -> tuple[bool, list[str], object]:
    messages: list[str] = []
    set_progress_hook(messages.append)
    try:
        if ahead:
            ingest_ahead.start(
                settings.inbox, settings.warehouse, settings.config_dir, settings.duckdb_memory_limit
            )
        result = materialize(
            [ingest_inbox],
            resources=build_resources(settings),
            instance=DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
    finally:
        ingest_ahead.finish()
        set_progress_hook(None)
    return result.success, messages, result


def _rows(settings: Settings) -> dict[str, list[tuple]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        out = {"ingest_log": con.execute(RAW).fetchall()}
        for table in ("fhir_patients", "emr_csv_referrals"):
            out[table] = con.execute(
                f"SELECT * EXCLUDE (ingested_at) FROM raw.{table} ORDER BY ALL"
            ).fetchall()
    return out


def test_the_step_reports_what_the_ingest_ahead_wrote(tmp_path: Path) -> None:
    own = _settings(tmp_path / "own")
    ok, own_messages, _ = _run_step(own, ahead=False)
    assert ok
    ahead = _settings(tmp_path / "ahead")
    ok, messages, result = _run_step(ahead, ahead=True)
    assert ok
    assert _rows(ahead) == _rows(own)
    assert sorted(messages) == sorted(own_messages)  # the summaries and the quarantine line, once each
    for source in SOURCES:
        assert sum(m.startswith(f"{source.name}: ") for m in messages) == 1, source.name
    assert (ahead.quarantine / "fhir" / "Broken.ndjson.reason.txt").exists()
    rows = {
        m.asset_key.path[-1]: m.metadata["rows"].value
        for m in result.asset_materializations_for_node(INGEST_STEP)
    }
    assert rows["fhir_patients"] == 1
    # A second run finds nothing new, ahead or not.
    ok, again, _ = _run_step(ahead, ahead=True)
    assert ok and any(m.startswith("fhir: 1 files (1 already ingested), 0 records") for m in again)
    assert _rows(ahead) == _rows(own)


def test_a_failed_ingest_ahead_fails_the_ingest_step(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.warehouse.mkdir(parents=True)  # a folder where the warehouse file should be: DuckDB fails
    ok, _messages, result = _run_step(settings, ahead=True)
    assert not ok
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == [INGEST_STEP]
    error = failures[0].step_failure_data.error
    while error.cause is not None and "IngestAheadError" not in (error.cls_name or ""):
        error = error.cause
    assert error.cls_name == "IngestAheadError"
