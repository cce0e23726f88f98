"""Run dbt in-process against a warehouse without Dagster: the replay test and the warehouse benchmark
rebuild the dbt layers day by day, or in full, on a warehouse the pipeline already ingested."""

from __future__ import annotations

import os
from pathlib import Path

from dbt.cli.main import dbtRunner

from orchestration.settings import Settings
from orchestration.transform.dbt_assets import dbt_vars
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
    """`dbt <command>` (run or build) as of `settings.as_of`; returns the number of nodes executed.

    `target_dir` keeps this invocation's artifacts apart from dbt_project/target, which other runs use.
    A full refresh also rescores every identity pair (var identity_full_refresh)."""
    os.environ.update(settings.export_env())
    as_of_vars = dbt_vars(settings.as_of.isoformat())
    if full_refresh:
        as_of_vars = as_of_vars[:-1] + ', "identity_full_refresh": true}'
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
        "--vars",
        as_of_vars,
        "--quiet",
    ]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    result = dbtRunner().invoke(args)
    if not result.success:
        failed = []
        for node in getattr(result.result, "results", None) or []:
            if str(node.status) in ("error", "fail"):
                failed.append(node.node.name)
        cause = f" ({', '.join(failed[:5])})" if failed else ""
        raise DbtInvocationError(f"dbt {command} as of {settings.as_of.isoformat()} failed{cause}")
    return len(getattr(result.result, "results", None) or [])
