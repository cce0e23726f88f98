"""A daily pipeline phase writes dbt.log at info level (no per-query debug lines); a first build keeps dbt's
debug log. dbt runs on more threads only when PTLEADS_DBT_THREADS asks for it. Fast: no dbt process runs
here."""

from __future__ import annotations

from pathlib import Path

from orchestration.transform.dbt_daily_selection import DAILY_FILE_LOG, DBT_THREADS_ENV, daily_build_args
from tests.dbt.test_daily_artifacts import _project
from tests.dbt.test_daily_selection import _warehouse  # a warehouse with or without the increment state


def _file_level(args: list[str]) -> str | None:
    return args[args.index("--log-level-file") + 1] if "--log-level-file" in args else None


def test_only_a_daily_build_logs_dbt_log_at_info(tmp_path: Path) -> None:
    project, target = _project(tmp_path / "project"), tmp_path / "target"
    first = _warehouse(tmp_path / "first.duckdb", with_state=False)
    daily = _warehouse(tmp_path / "daily.duckdb", with_state=True)
    assert _file_level(daily_build_args(project, target, tmp_path / "missing.duckdb")[0]) is None
    assert _file_level(daily_build_args(project, target, first)[0]) is None
    assert _file_level(daily_build_args(project, target, daily)[0]) == "info"
    assert DAILY_FILE_LOG == ("--log-level-file", "info")


def test_threads_only_when_asked_on_a_daily_build(tmp_path: Path, monkeypatch) -> None:
    project, target = _project(tmp_path / "project"), tmp_path / "target"
    first = _warehouse(tmp_path / "first.duckdb", with_state=False)
    daily = _warehouse(tmp_path / "daily.duckdb", with_state=True)
    monkeypatch.delenv(DBT_THREADS_ENV, raising=False)
    assert "--threads" not in daily_build_args(project, target, daily)[0]
    for value in ("1", "x", ""):
        monkeypatch.setenv(DBT_THREADS_ENV, value)
        assert "--threads" not in daily_build_args(project, target, daily)[0]
    monkeypatch.setenv(DBT_THREADS_ENV, "2")
    args = daily_build_args(project, target, daily)[0]
    assert args[args.index("--threads") + 1] == "2"
    assert "--threads" not in daily_build_args(project, target, first)[0]
