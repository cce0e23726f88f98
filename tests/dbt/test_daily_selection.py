"""What the pipeline's dbt phases leave out on a daily run (transform/dbt_daily_selection.py) and
the dbt CLI resource without its per-call fixed costs (dbt_cli.py). Fast: no dbt process runs here."""

from __future__ import annotations

import importlib.metadata
import logging
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.settings import REPO_ROOT
from orchestration.transform import dbt_cli
from orchestration.transform.dbt_daily_selection import (
    FULL_BUILD_ONLY_TAG,
    LeftOutChecksFilter,
    daily_build_args,
    read_manifest,
    record_unit_tests_passed,
    unit_test_fingerprint,
)

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"  # not dbt_project_files: importing it parses the project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "macros").mkdir()
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "models" / "m.sql").write_text("select 1 as x\n")
    (root / "models" / "_m.yml").write_text("unit_tests: []\n")
    return root


def _warehouse(path: Path, *, with_state: bool) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    if with_state:
        con.execute("create table intermediate.int_source_records_state (version integer)")
    con.close()
    return path


def test_unit_tests_run_until_they_pass_for_this_sql_and_again_after_any_change(
    project: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    warehouse = tmp_path / "none.duckdb"
    args, stamp = daily_build_args(project, target, warehouse)
    assert args == ["build"] and stamp == unit_test_fingerprint(project)  # never passed here: run them
    record_unit_tests_passed(target, stamp)
    args, stamp = daily_build_args(project, target, warehouse)
    assert args == ["build", "--exclude-resource-type", "unit_test"] and stamp is None
    for changed in (project / "models" / "m.sql", project / "models" / "_m.yml"):
        before = changed.read_text()
        changed.write_text(before + "-- edited\n")
        args, stamp = daily_build_args(project, target, warehouse)
        assert "unit_test" not in args and stamp is not None, changed.name
        changed.write_text(before)
    (project / "macros" / "new.sql").write_text("{% macro x() %}1{% endmacro %}\n")
    assert "unit_test" not in daily_build_args(project, target, warehouse)[0]


def test_full_build_only_tests_are_left_out_only_where_dbt_would_call_the_run_daily(
    project: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    exclude = ["--exclude", f"tag:{FULL_BUILD_ONLY_TAG}"]
    assert not set(exclude) <= set(daily_build_args(project, target, tmp_path / "missing.duckdb")[0])
    first = _warehouse(tmp_path / "first.duckdb", with_state=False)
    assert not set(exclude) <= set(daily_build_args(project, target, first)[0])
    daily = _warehouse(tmp_path / "daily.duckdb", with_state=True)
    args = daily_build_args(project, target, daily)[0]
    assert args[args.index("--exclude") + 1] == f"tag:{FULL_BUILD_ONLY_TAG}"


def test_every_full_build_only_test_carries_the_tag_the_daily_run_excludes() -> None:
    """A `where: __full_build_only__` test without the tag would still run (as `where false`) every day."""
    untagged = [
        f"{path.relative_to(DBT_PROJECT_DIR)}: {line.strip()}"
        for path in (DBT_PROJECT_DIR / "models").rglob("*.yml")
        for line in path.read_text().splitlines()
        if "where: __full_build_only__" in line and FULL_BUILD_ONLY_TAG + "]" not in line
    ]
    assert untagged == []


def test_the_pipeline_cli_knows_its_dbt_version_without_running_dbt(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*_a: object, **_k: object) -> bytes:
        raise AssertionError("dbt --version was run")

    monkeypatch.setattr(subprocess, "check_output", no_process)
    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_process)
    plain = DbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=shutil.which("dbt") or "dbt")
    cli = dbt_cli.pipeline_dbt_cli(plain)
    assert isinstance(cli, dbt_cli.PipelineDbtCli) and cli.project_dir == plain.project_dir
    assert cli._cli_version == version.parse(importlib.metadata.version("dbt-core"))
    assert cli._initialize_dbt_core_adapter(["build"]) is None
    assert dbt_cli.pipeline_dbt_cli(cli) is cli


def test_only_the_no_result_warning_of_a_left_out_check_is_dropped() -> None:
    keep = LeftOutChecksFilter(frozenset({"unique_fct_touches_touch_id"}))

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("dagster", logging.WARNING, __file__, 1, message, None, None)

    tail = " emitted no result in step 'dbt_phase1'; downstream step 'x' will proceed without gating on it."
    left_out = "Blocking asset check 'marts/fct_touches:unique_fct_touches_touch_id'"
    assert not keep.filter(record(left_out + tail))
    assert keep.filter(record("Blocking asset check 'marts/fct_leads:unique_fct_leads_lead_id'" + tail))
    assert keep.filter(record("something else about unique_fct_touches_touch_id"))


def test_the_manifest_is_parsed_once_per_version_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{"nodes": {"a": 1}}', encoding="utf-8")
    first = read_manifest(path)
    assert read_manifest(path) is first  # unchanged file: the same parse
    path.write_text('{"nodes": {"a": 1, "b": 2}}', encoding="utf-8")  # another size
    assert read_manifest(path) == {"nodes": {"a": 1, "b": 2}}
