"""The dbt CLI resource the pipeline's dbt phases run with: dagster-dbt's, minus two fixed costs that
every `dbt.cli(...)` call pays before dbt even starts and that the pipeline never uses.

- `_cli_version` runs `dbt --version` in a subprocess to learn which dbt is installed: 4.5 s on this
  machine, most of it dbt asking PyPI for its latest release (it would wait for a timeout offline).
  The dbt that runs is this environment's own (`dbt` next to the interpreter), so its package metadata
  says the same thing without a process.
- `_initialize_dbt_core_adapter` loads the profile, the project and every base macro in this process
  to hand dagster-dbt an adapter, which only `fetch_column_metadata` / `fetch_row_counts` read; the
  pipeline calls neither (with no adapter dagster-dbt skips them, as it does when the load fails).

At 1M leads (ddfb637) phase 1 spent ~8 s between the step starting and dbt starting, phase 2 ~3.5 s
(the version is cached per resource instance, so only the first call paid `dbt --version`).

It also runs dbt as `ptleads-dbt` (orchestration/transform/dbt_entry.py) when this environment has it:
the same dbt, minus the interpreter's teardown after dbt's last event, which the run would wait for.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version

# Console scripts installed beside this interpreter: dbt's own and ours (pyproject [project.scripts]).
_DBT, _PIPELINE_DBT = "dbt", "ptleads-dbt"


def _beside_interpreter(name: str) -> Path:
    return Path(sys.executable).with_name(name)


def _is_this_environments_dbt(executable: str | Path) -> bool:
    """Whether `executable` is the dbt installed beside this interpreter (what dbt_invoke runs too), or
    `ptleads-dbt`, which runs that same dbt."""
    found = shutil.which(str(executable))
    return found is not None and Path(found).resolve() in {
        _beside_interpreter(_DBT).resolve(),
        _beside_interpreter(_PIPELINE_DBT).resolve(),
    }


def installed_dbt() -> str:
    """This environment's dbt by path, so a run started as `.venv/bin/ptleads run` (venv not on PATH, as
    under cron or systemd) finds it; plain `dbt` from PATH when the interpreter has none beside it."""
    beside = _beside_interpreter(_DBT)
    return str(beside) if beside.is_file() else _DBT


def pipeline_executable(executable: str | None = None) -> str:
    """`ptleads-dbt` in place of this environment's `dbt` (default: installed_dbt()) when it is installed;
    any other dbt as given."""
    executable = executable or installed_dbt()
    entry = _beside_interpreter(_PIPELINE_DBT)
    if entry.is_file() and _is_this_environments_dbt(executable):
        return str(entry)
    return executable


class PipelineDbtCli(DbtCliResource):
    """DbtCliResource without the `dbt --version` subprocess and the in-process adapter (see module doc)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if _is_this_environments_dbt(self.dbt_executable):
            return version.parse(importlib.metadata.version("dbt-core"))
        return DbtCliResource._cli_version.func(self)  # type: ignore[attr-defined]  # another dbt: ask it

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def pipeline_dbt_cli(dbt: DbtCliResource) -> PipelineDbtCli:
    """The same resource configuration as `dbt`, as a PipelineDbtCli (the Dagster definitions build a plain
    DbtCliResource; one built as PipelineDbtCli is returned as it is)."""
    if isinstance(dbt, PipelineDbtCli):
        return dbt
    return PipelineDbtCli(
        project_dir=dbt.project_dir,
        global_config_flags=list(dbt.global_config_flags),
        profiles_dir=dbt.profiles_dir,
        profile=dbt.profile,
        target=dbt.target,
        dbt_executable=pipeline_executable(dbt.dbt_executable),
        state_path=dbt.state_path,
    )
