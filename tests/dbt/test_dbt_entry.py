"""`ptleads-dbt` (orchestration/transform/dbt_entry.py) behaves as `dbt` does for the pipeline: same exit
codes, same JSON events on stdout, dbt.log complete, the warehouse closed and unlocked when it exits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster_dbt import DbtCliResource

from orchestration.transform import dbt_cli
from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR
from tests.dbt.probe_project import probe_project

BIN = Path(sys.executable).parent


def _run(executable: str, project: Path) -> subprocess.CompletedProcess[str]:
    args = ["--log-format", "json", "run", "--project-dir", str(project), "--profiles-dir", str(project)]
    args += ["--log-path", str(project / "logs"), "--target-path", str(project / "t")]
    return subprocess.run(
        [str(BIN / executable), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("model_sql", "expected_code"),
    [("select 1 as one", 0), ("select * from no_such_table", 1)],
    ids=["success", "model-fails"],
)
def test_exit_code_events_and_log_match_dbt(tmp_path: Path, model_sql: str, expected_code: int) -> None:
    outcomes = {}
    for executable in ("dbt", "ptleads-dbt"):
        project = probe_project(tmp_path / executable, model_sql)
        done = _run(executable, project)
        lines = done.stdout.splitlines()
        events = [json.loads(line)["info"]["name"] for line in lines if line.startswith("{")]
        log_lines = (project / "logs" / "dbt.log").read_text(encoding="utf-8").splitlines()
        outcomes[executable] = (done.returncode, events[-1], json.loads(log_lines[-1])["info"]["name"])
        assert "leaked semaphore" not in done.stderr
        # closed on exit: another process can open the file for writing at once
        duckdb.connect(str(project / "wh.duckdb")).close()
    assert outcomes["ptleads-dbt"] == outcomes["dbt"]
    assert outcomes["dbt"][0] == expected_code


def test_a_missing_project_is_dbts_own_failure(tmp_path: Path) -> None:
    codes = [
        subprocess.run(
            [str(BIN / executable), "parse", "--project-dir", str(tmp_path / "missing")],
            capture_output=True,
            timeout=120,
            check=False,
        ).returncode
        for executable in ("dbt", "ptleads-dbt")
    ]
    assert codes == [2, 2]


def test_the_pipeline_runs_dbt_as_ptleads_dbt() -> None:
    plain = DbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=shutil.which("dbt") or "dbt")
    cli = dbt_cli.pipeline_dbt_cli(plain)
    assert Path(cli.dbt_executable).name == "ptleads-dbt"
    # another dbt than this environment's stays as configured
    other = DbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=sys.executable)
    assert dbt_cli.pipeline_dbt_cli(other).dbt_executable == sys.executable


def test_dagster_dbt_streams_ptleads_dbt_and_raises_on_a_failed_model(tmp_path: Path) -> None:
    from dagster_dbt.errors import DagsterDbtCliRuntimeError

    good = probe_project(tmp_path / "good", "select 1 as one")
    bad = probe_project(tmp_path / "bad", "select * from no_such_table")
    for project in (good, bad):
        subprocess.run(
            [str(BIN / "dbt"), "parse", "--project-dir", str(project), "--profiles-dir", str(project)],
            capture_output=True,
            timeout=300,
            check=True,
        )
    resource = DbtCliResource(project_dir=str(good), profiles_dir=str(good), dbt_executable=str(BIN / "dbt"))
    cli = dbt_cli.pipeline_dbt_cli(resource)
    events = list(cli.cli(["run"], manifest=good / "target" / "manifest.json").stream_raw_events())
    assert any(e.raw_event["info"]["name"] == "LogModelResult" for e in events)
    failing = dbt_cli.pipeline_dbt_cli(
        DbtCliResource(project_dir=str(bad), profiles_dir=str(bad), dbt_executable=str(BIN / "dbt"))
    )
    with pytest.raises(DagsterDbtCliRuntimeError, match="no_such_table"):
        list(failing.cli(["run"], manifest=bad / "target" / "manifest.json").stream_raw_events())


def test_the_resources_find_dbt_without_the_environment_on_path(tmp_path: Path) -> None:
    """`.venv/bin/ptleads run` from cron or systemd: PATH without the venv's bin folder."""
    probe = (
        "from pathlib import Path; from orchestration.definitions import build_resources; "
        "from orchestration.settings import Settings; "
        f"print(build_resources(Settings().with_overrides(warehouse=Path('{tmp_path}/w.duckdb')))['dbt'].dbt_executable)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert Path(done.stdout.strip()) == BIN / "dbt"


def test_a_stale_manifest_is_parsed_with_this_environments_dbt(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.transform import dbt_project_files

    seen: list[str | None] = []
    project = dbt_project_files.DBT_PROJECT
    monkeypatch.setattr(dbt_project_files, "manifest_is_stale", lambda _p: True)
    monkeypatch.setattr(
        type(project.preparer), "prepare", lambda _self, _project: seen.append(shutil.which("dbt"))
    )
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    dbt_project_files.load_dbt_project()
    assert seen == [str(BIN / "dbt")]
    assert os.environ["PATH"] == "/usr/bin:/bin"
