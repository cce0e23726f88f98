"""Run dbt against a warehouse without Dagster: the replay test and the warehouse benchmark rebuild the
dbt layers day by day, or in full, on a warehouse the pipeline already ingested. dbt runs in a child
process: dbt-duckdb keeps the database attached in its process, which would block the caller."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from orchestration.settings import Settings
from orchestration.transform.dbt_cli import pipeline_executable
from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR


class DbtInvocationError(RuntimeError):
    """dbt failed; the message names the command and the failing nodes, never row data."""


def run_dbt(
    settings: Settings,
    command: str,
    target_dir: Path,
    *,
    full_refresh: bool = False,
    select: str | None = None,
) -> int:
    """`dbt <command>` (run or build) as of `settings.as_of`; returns the number of nodes that passed.

    `target_dir` keeps this invocation's artifacts apart from those of pipeline runs and other calls. The
    as-of travels as PTLEADS_AS_OF (export_env; macros/as_of.sql), so a daily run parses partially.
    A full refresh also rescores every identity pair (var identity_full_refresh)."""
    args = [
        command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_dir),
        "--log-path",
        str(target_dir / "logs"),
    ]
    if full_refresh:
        args += ["--full-refresh", "--vars", '{"identity_full_refresh": true}']
    if select:
        args += ["--select", select]
    # ptleads-dbt: the same dbt, its partial parse valid for a warehouse in any folder (dbt_parse_key)
    dbt = pipeline_executable()
    env = {**os.environ, **settings.export_env()}  # profiles.yml and the Python models read these
    done = subprocess.run([dbt, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        # dbt's summary names failing nodes; keep only those lines (no row data is printed by dbt run).
        failing = [line.strip() for line in done.stdout.splitlines() if " in model " in line][:5]
        raise DbtInvocationError(
            f"dbt {command} as of {settings.as_of.isoformat()} failed" + (f": {failing}" if failing else "")
        )
    return sum(1 for line in done.stdout.splitlines() if " OK " in line or " PASS " in line)
