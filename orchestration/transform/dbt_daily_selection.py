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
- **Tests of the reference data alone** (`reference_tests`: data tests with no `where` scope whose every
  upstream source is a `ref.*` table and no upstream model reads the as-of): their result is a function of
  the ref tables (ref.load_fingerprint, which the reference step rewrites only when the config or ZIP data
  change), the project's SQL and yml, and the dbt / DuckDB versions. A daily run leaves them out while
  that fingerprint equals the one stamped when they last passed on this warehouse; any change to the
  config, ZIP data, SQL or versions runs them again (12 nodes, ~60 ms each at 1M).
- **Views whose SQL did not change** (the staging models): a view is a stored query, so rebuilding it
  changes nothing while the project's SQL, yml, profile and the dbt / DuckDB versions are those it was
  last built with (a stamp in the phase's target folder, as for unit tests) and it still exists in the
  warehouse. A daily run leaves out each such view whose data tests all stay out of the run anyway
  (full_build_only, or reference tests left out above): dbt would drop the tests of a left-out model.
  Dagster is told the view is current (an Output with `ptleads/view_kept` metadata). At 1M leads: 28 of
  phase 1's nodes, ~20 ms each plus their scheduling. This waited for the increments' fingerprints to read a
  view's signature instead of DuckDB's stored text (view_identity in macros/materializations/
  view_unchanged.sql): three views read differently once the file is reopened, and only their daily
  re-creation had kept the hashed text stable (a first try, 0aa8786, rebuilt every increment at 1M).
- **dbt's JSON artifacts** (`--no-write-json`): every invocation serialized the whole manifest twice (after
  parsing, though nothing changed, and after the run) plus graph.gpickle, ~0.5 CPU-s a phase whatever the
  data size (100k practice, loaded machine: 1.8 + 0.8 s of wall before and after phase 1's nodes). A daily
  run writes run_results.json itself from dbt's result events (`RunResults`: each node's id, status and
  seconds, what benchmarks and tests read); manifest.json stays the one the last first build wrote (same
  nodes; the code location parses its own). Partial parsing state (partial_parse.msgpack) is written
  either way.
- **dbt.log's debug lines** (`--log-level-file info`): at its default (debug) level dbt writes ~5,000 JSON
  lines a phase-1 day to dbt.log whatever the data size (every query's text and timing, connection
  open/close, ~1,000 queries), each serialized and scrubbed for secrets in dbt's worker thread between
  queries (6.2 MB a day at 100k leads). A daily run logs at info, what Dagster reads on stdout: each
  node's start and result with its timing, warnings, errors with the database's message. The compiled
  SQL of each node stays in the target folder (`run/`, `compiled/`); a first build keeps the debug log.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

UNIT_TEST_STAMP = "unit_tests_passed.sha256"
FULL_BUILD_ONLY_TAG = "full_build_only"
INCREMENT_STATE = ("intermediate", "int_source_records_state")
# What a unit test's result depends on: the project's SQL and yml (fixtures, expectations) and the engine.
_WATCHED = ("models", "macros", "tests", "seeds")
_ENGINE = ("dbt-core", "dbt-duckdb", "duckdb")


# Dagster warns when a blocking asset check (a dbt test on a model) left no result in its step.
_NO_RESULT = re.compile(r"^Blocking asset check '[^']*:([^']+)' emitted no result")


def read_manifest(manifest_path: Path) -> dict[str, Any]:
    """The dbt manifest (read-only: shared by every caller), parsed once per file version in a process: a run
    read the 1.8 MB manifest four times before each dbt phase and twice at import (~0.06 s each at 1M)."""
    stat = manifest_path.stat()
    return _parsed_manifest(str(manifest_path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=2)
def _parsed_manifest(path: str, _mtime_ns: int, _size: int) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def full_build_only_tests(manifest_path: Path) -> frozenset[str]:
    """Names of the data tests tagged full_build_only in a dbt manifest."""
    nodes = read_manifest(manifest_path).get("nodes", {})
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


REFERENCE_TESTS_STAMP = "reference_tests_passed.sha256"
REFERENCE_SCHEMA = "ref"
# Models that read the run's as-of (macros/as_of.sql): their rows change every run whatever the ref data.
_AS_OF_MACRO = "macro.ptleads.as_of"


def reference_tests(manifest_path: Path) -> frozenset[str]:
    """Names of the data tests whose result only the reference data, the SQL and the versions decide: no
    `where` scope, every upstream source in the `ref` schema, no upstream node reading the as-of."""
    manifest = read_manifest(manifest_path)
    nodes, sources = manifest.get("nodes", {}), manifest.get("sources", {})

    def upstream(unique_id: str) -> set[str]:
        seen: set[str] = set()
        todo = [unique_id]
        while todo:
            for parent in nodes.get(todo.pop(), {}).get("depends_on", {}).get("nodes", []):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    found = set()
    for unique_id, node in nodes.items():
        if node.get("resource_type") != "test" or node.get("config", {}).get("where"):
            continue
        parents = upstream(unique_id)
        used = [sources[p] for p in parents if p in sources]
        reads_as_of = any(
            _AS_OF_MACRO in nodes.get(p, {}).get("depends_on", {}).get("macros", []) for p in parents
        )
        if used and all(src.get("schema") == REFERENCE_SCHEMA for src in used) and not reads_as_of:
            found.add(node["name"])
    return frozenset(found)


def reference_tests_fingerprint(project_dir: Path, warehouse: Path) -> str | None:
    """sha256 over the unit-test fingerprint (SQL, yml, versions) and the warehouse's ref.load_fingerprint;
    None without one (no reference load yet)."""
    if not warehouse.is_file():
        return None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        rows = con.execute(f"select fingerprint from {REFERENCE_SCHEMA}.load_fingerprint").fetchall()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    if not rows:
        return None
    digest = hashlib.sha256(unit_test_fingerprint(project_dir).encode() + b"\0")
    digest.update(str(rows[0][0]).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class DailyBuild:
    """A phase's `dbt build` arguments and what to stamp once it succeeds."""

    args: list[str]
    unit_tests: str | None  # unit-test fingerprint to stamp (None: unit tests left out)
    reference_tests: str | None  # reference-test fingerprint to stamp (None: left out or unknown)
    views: str | None = None  # views fingerprint to stamp (None: unchanged views left out)
    kept_views: tuple[str, ...] = ()  # unique ids of the views left out (current in the warehouse)


def daily_build(project_dir: Path, target_dir: Path, warehouse: Path, manifest_path: Path) -> DailyBuild:
    """The build for a pipeline phase: unit tests of unchanged SQL, and on a daily run full-build-only
    tests, reference tests of unchanged inputs, unchanged views and dbt's JSON artifacts, left out."""
    args, unit_fingerprint = daily_build_args(project_dir, target_dir, warehouse)
    reference_fingerprint = reference_tests_fingerprint(project_dir, warehouse)
    daily = NO_JSON_ARTIFACTS in args
    left_out: list[str] = []
    if daily and reference_fingerprint is not None:
        stamp = target_dir / REFERENCE_TESTS_STAMP
        unchanged = stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == reference_fingerprint
        left_out = sorted(reference_tests(manifest_path)) if unchanged else []
        if left_out:
            reference_fingerprint = None
    views_fingerprint = views_built_fingerprint(project_dir)
    kept: dict[str, str] = {}
    if daily and _stamped(target_dir / VIEWS_STAMP, views_fingerprint):
        tests_out = full_build_only_tests(manifest_path) | set(left_out)
        kept = quiet_views(manifest_path, tests_out, existing_views(warehouse))
        if kept:
            views_fingerprint = None
    excluded = left_out + sorted(kept.values())
    if excluded:
        at = args.index("--exclude") + 1
        args[at] = " ".join([args[at], *excluded])
    return DailyBuild(args, unit_fingerprint, reference_fingerprint, views_fingerprint, tuple(kept))


VIEWS_STAMP = "views_built.sha256"


def _stamped(stamp: Path, fingerprint: str) -> bool:
    return stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == fingerprint


def views_built_fingerprint(project_dir: Path) -> str:
    """What a view's SQL depends on: the unit-test fingerprint (SQL, yml, versions) and profiles.yml."""
    digest = hashlib.sha256(unit_test_fingerprint(project_dir).encode() + b"\0")
    profiles = project_dir / "profiles.yml"
    if profiles.is_file():
        digest.update(profiles.read_bytes())
    return digest.hexdigest()


def record_views_built(target_dir: Path, fingerprint: str) -> None:
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / (VIEWS_STAMP + ".tmp")
    tmp.write_text(fingerprint + "\n", encoding="utf-8")
    tmp.replace(target_dir / VIEWS_STAMP)


def quiet_views(
    manifest_path: Path, tests_left_out: set[str] | frozenset[str], present: frozenset[str] | None = None
) -> dict[str, str]:
    """unique id -> name of each view model none of whose data tests would run (every one of them is in
    `tests_left_out`), that the warehouse holds (`present`: "schema.relation" names; None: not asked) and
    whose models upstream are such views too: leaving it out leaves out nothing else, and Dagster, told
    first that these views are current, hears of every model after its upstream ones. In dependency order."""
    nodes = read_manifest(manifest_path).get("nodes", {})
    views = {
        uid
        for uid, node in nodes.items()
        if node.get("resource_type") == "model"
        and node.get("config", {}).get("materialized") == "view"
        and (present is None or f"{node['schema']}.{node.get('alias') or node['name']}" in present)
    }
    for node in nodes.values():
        if node.get("resource_type") == "test" and node["name"] not in tests_left_out:
            views.difference_update(node.get("depends_on", {}).get("nodes", []))

    def parents(uid: str) -> set[str]:
        return {p for p in nodes[uid].get("depends_on", {}).get("nodes", []) if p in nodes}

    ordered: dict[str, str] = {}
    ready = True
    while ready:  # each pass takes the views whose upstream models are all taken already
        ready = [uid for uid in sorted(views - ordered.keys()) if parents(uid) <= ordered.keys()]
        ordered.update((uid, nodes[uid]["name"]) for uid in ready)
    return ordered


def existing_views(warehouse: Path) -> frozenset[str]:
    """ "schema.name" of the views the warehouse holds (none when it cannot be read)."""
    if not warehouse.is_file():
        return frozenset()
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return frozenset()
    try:
        rows = con.execute(
            "select schema_name || '.' || view_name from duckdb_views() "
            "where not internal and database_name = current_database()"
        ).fetchall()
    finally:
        con.close()
    return frozenset(row[0] for row in rows)


def record_reference_tests_passed(target_dir: Path, fingerprint: str) -> None:
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / (REFERENCE_TESTS_STAMP + ".tmp")
    tmp.write_text(fingerprint + "\n", encoding="utf-8")
    tmp.replace(target_dir / REFERENCE_TESTS_STAMP)


def daily_build_args(project_dir: Path, target_dir: Path, warehouse: Path) -> tuple[list[str], str | None]:
    """`dbt build` arguments for a pipeline phase, and the unit-test fingerprint to stamp once the build
    succeeds (None when this build leaves the unit tests out)."""
    args = ["build"]
    fingerprint: str | None = unit_test_fingerprint(project_dir)
    if unit_tests_passed(target_dir, fingerprint):
        args += ["--exclude-resource-type", "unit_test"]
        fingerprint = None
    if holds_increment_state(warehouse):
        args += ["--exclude", f"tag:{FULL_BUILD_ONLY_TAG}", NO_JSON_ARTIFACTS, *DAILY_FILE_LOG]
        args += daily_threads_args()
    return args, fingerprint


DBT_THREADS_ENV = "PTLEADS_DBT_THREADS"


def daily_threads_args() -> list[str]:
    """`--threads N` when PTLEADS_DBT_THREADS names N > 1 (opt-in, for measuring; profiles.yml says 1).

    With 2 threads dbt runs a model's tests side by side, and independent nodes beside each other: each
    node's compile, hooks and logging (~80 ms of Python at 1M leads, 136 such small nodes a phase-1 day)
    overlap another node's DuckDB work. Off: at 1M leads a day's phase 1 took 52.8 s on two threads against
    50.1 s on one (session 21, same state): ~90% of phase 1 runs inside DuckDB, on both cores already.
    A first (whole) build is no different: at 1M leads a full-refresh build took 409.3 s wall / 732.0 CPU-s on
    two threads against 393.1 / 683.2 on one (session 28, one warehouse in turn; models side by side slowed
    each other, int_lead_appointments 37.6 -> 84.1 s), so it stays on one thread too."""
    value = os.environ.get(DBT_THREADS_ENV, "").strip()
    if not value.isdigit() or int(value) <= 1:
        return []
    return ["--threads", value]


NO_JSON_ARTIFACTS = "--no-write-json"
DAILY_FILE_LOG = ("--log-level-file", "info")  # dbt.log without the per-query debug lines (module doc)
RUN_RESULTS = "run_results.json"
# The info-level events dbt prints once per finished node (what dagster-dbt reads results from too).
_RESULT_EVENTS = frozenset(
    {"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult", "LogHookEndLine"}
)


class RunResults:
    """The nodes a dbt invocation finished, collected from its JSON log events, for the run_results.json
    a `--no-write-json` run does not write (same top-level shape; per result the unique id, status,
    execution seconds, start and end)."""

    def __init__(self) -> None:
        self.results: list[dict[str, Any]] = []

    def add(self, raw_event: Mapping[str, Any]) -> None:
        if raw_event.get("info", {}).get("name") not in _RESULT_EVENTS:
            return
        data = raw_event.get("data", {})
        node = data.get("node_info", {})
        if not node.get("unique_id"):
            return
        self.results.append(
            {
                "unique_id": node["unique_id"],
                "status": node.get("node_status") or data.get("status"),
                "execution_time": data.get("execution_time", 0.0),
                "timing": [
                    {
                        "name": "node",
                        "started_at": node.get("node_started_at"),
                        "completed_at": node.get("node_finished_at"),
                    }
                ],
            }
        )

    def write(self, target_dir: Path) -> None:
        payload = {
            "metadata": {"written_by": "ptleads (dbt ran with --no-write-json)"},
            "results": self.results,
            "elapsed_time": sum(r["execution_time"] for r in self.results),
        }
        tmp = target_dir / (RUN_RESULTS + ".tmp")
        tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        tmp.replace(target_dir / RUN_RESULTS)
