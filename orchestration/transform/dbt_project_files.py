"""The dbt project as Dagster sees it; the manifest is (re)built at load time when missing or stale."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtProject

from orchestration.settings import REPO_ROOT, Settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
_WATCHED = ("models", "macros", "tests")


def _newest_source_mtime(project_dir: Path) -> float:
    files = [project_dir / "dbt_project.yml"]
    for folder in _WATCHED:
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in files)


def manifest_is_stale(project: DbtProject) -> bool:
    path = project.manifest_path
    return not path.exists() or path.stat().st_mtime < _newest_source_mtime(Path(project.project_dir))


class _ProjectParse(DagsterDbtProjectPreparer):
    """dagster-dbt's preparation, parsing with `ptleads-dbt` where installed: the partial_parse.msgpack it
    leaves in dbt_project/target (which dagster-dbt copies into each new target folder) is then keyed as the
    pipeline's dbt checks it, without the warehouse's folder (dbt_parse_key), and serves any warehouse."""

    def _prepare_manifest(self, project: DbtProject) -> None:
        from orchestration.transform.dbt_cli import PipelineDbtCli, pipeline_executable

        dbt = PipelineDbtCli(project_dir=project, dbt_executable=pipeline_executable())
        dbt.cli(self._prepare_project_cli_args, target_path=project.target_path).wait()


def load_dbt_project() -> DbtProject:
    """DbtProject with a current manifest in dbt_project/target (a fresh clone: one `dbt parse`)."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR)
    if manifest_is_stale(project):
        # profiles.yml needs the warehouse path even to parse; the run sets the real one before dbt runs.
        # Set only for the parse: a leftover would point later runs in this process at the default path.
        unset = "PTLEADS_WAREHOUSE" not in os.environ
        os.environ.setdefault("PTLEADS_WAREHOUSE", str(Settings().warehouse))
        # Where ptleads-dbt is not installed the parse runs `dbt` by name: this interpreter's dbt, also when
        # its folder is not on PATH (`.venv/bin/ptleads run` from cron or systemd).
        path = os.environ.get("PATH", "")
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), path])
        try:
            _ProjectParse().prepare(project)
        finally:
            os.environ["PATH"] = path
            if unset:
                os.environ.pop("PTLEADS_WAREHOUSE", None)
    return project


DBT_PROJECT = load_dbt_project()
