"""What a pipeline dbt phase leaves out on a daily run, and where each left-out guard still runs.

- **dbt unit tests** check a model's SQL logic on fixed fixture rows, never the warehouse's data: their
  result can only change when the project's SQL, its macros or the dbt / DuckDB versions change. A phase
  runs them whenever that fingerprint differs from the last one whose unit tests passed on this warehouse
  (a stamp in the phase's dbt target folder beside the warehouse): the first run after a deploy or any SQL
  change, every first build, every fresh warehouse. `dbt build` outside the pipeline (dbt_invoke: full
  builds, the replay test, benchmarks) and CI run them always. At 1M leads: 9 unit tests, 2.0-2.3 s a day.
- **Tests tagged `full_build_only`** (schema .yml, with `where: __full_build_only__`): on a daily run they
  would render `where false` (macros/test_scope.sql) and read nothing, but each still cost a dbt node (68
  nodes, ~2 s at 1M). A daily run leaves them out of the selection; full builds and first builds (no
  increment state yet) select and run them over every row. "Daily" is the macro's own test: the warehouse
  holds int_source_records' increment state (`is_daily_test_run`; the pipeline never passes --full-refresh).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import re
from pathlib import Path

import duckdb

UNIT_TEST_STAMP = "unit_tests_passed.sha256"
FULL_BUILD_ONLY_TAG = "full_build_only"
INCREMENT_STATE = ("intermediate", "int_source_records_state")
# What a unit test's result depends on: the project's SQL and yml (fixtures, expectations) and the engine.
_WATCHED = ("models", "macros", "tests", "seeds")
_ENGINE = ("dbt-core", "dbt-duckdb", "duckdb")


# Dagster warns when a blocking asset check (a dbt test on a model) left no result in its step.
_NO_RESULT = re.compile(r"^Blocking asset check '[^']*:([^']+)' emitted no result")


def full_build_only_tests(manifest_path: Path) -> frozenset[str]:
    """Names of the data tests tagged full_build_only in a dbt manifest."""
    nodes = json.loads(manifest_path.read_text(encoding="utf-8")).get("nodes", {})
    return frozenset(
        n["name"]
        for n in nodes.values()
        if n.get("resource_type") == "test" and FULL_BUILD_ONLY_TAG in n.get("tags", [])
    )


class LeftOutChecksFilter(logging.Filter):
    """Drops Dagster's 'emitted no result' warning for checks a daily run leaves out on purpose (every
    full_build_only test of a model with assets downstream, e.g. fct_touches' touch_id tests before the
    actions: four lines on every `ptleads run`). They gated nothing on a daily run before either: they
    ran as `where false`. Any other check that goes missing is still reported."""

    def __init__(self, left_out: frozenset[str]) -> None:
        super().__init__()
        self.left_out = left_out

    def filter(self, record: logging.LogRecord) -> bool:
        found = _NO_RESULT.match(record.getMessage())
        return found is None or found.group(1) not in self.left_out


def unit_test_fingerprint(project_dir: Path) -> str:
    """sha256 over the project files unit tests read (path and content) and the dbt/DuckDB versions."""
    digest = hashlib.sha256()
    for name in _ENGINE:
        digest.update(f"{name}={importlib.metadata.version(name)}\n".encode())
    files = [project_dir / "dbt_project.yml"]
    for folder in _WATCHED:
        if (project_dir / folder).is_dir():
            files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    for path in sorted(files):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def unit_tests_passed(target_dir: Path, fingerprint: str) -> bool:
    stamp = target_dir / UNIT_TEST_STAMP
    return stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == fingerprint


def record_unit_tests_passed(target_dir: Path, fingerprint: str) -> None:
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / (UNIT_TEST_STAMP + ".tmp")
    tmp.write_text(fingerprint + "\n", encoding="utf-8")
    tmp.replace(target_dir / UNIT_TEST_STAMP)


def holds_increment_state(warehouse: Path) -> bool:
    """Whether dbt's test scoping will call this build a daily run (macros/test_scope.sql)."""
    if not warehouse.is_file():
        return False
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return False
    try:
        return bool(
            con.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                list(INCREMENT_STATE),
            ).fetchone()[0]
        )
    finally:
        con.close()


def daily_build_args(project_dir: Path, target_dir: Path, warehouse: Path) -> tuple[list[str], str | None]:
    """`dbt build` arguments for a pipeline phase, and the unit-test fingerprint to stamp once the build
    succeeds (None when this build leaves the unit tests out)."""
    args = ["build"]
    fingerprint: str | None = unit_test_fingerprint(project_dir)
    if unit_tests_passed(target_dir, fingerprint):
        args += ["--exclude-resource-type", "unit_test"]
        fingerprint = None
    if holds_increment_state(warehouse):
        args += ["--exclude", f"tag:{FULL_BUILD_ONLY_TAG}"]
    return args, fingerprint
