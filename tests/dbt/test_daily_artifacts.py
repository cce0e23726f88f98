"""A daily pipeline phase runs dbt without its JSON artifacts (--no-write-json: the manifest serialized
twice per invocation) and writes run_results.json from dbt's result events instead; a first build keeps
dbt's own artifacts. Fast: no dbt process runs here."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.transform.dbt_daily_selection import (
    NO_JSON_ARTIFACTS,
    RUN_RESULTS,
    RunResults,
    daily_build_args,
)
from tests.dbt.test_daily_selection import _warehouse  # a warehouse with or without the increment state


def _project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "models" / "m.sql").write_text("select 1 as x\n")
    return root


def test_only_a_daily_build_leaves_out_the_json_artifacts(tmp_path: Path) -> None:
    project, target = _project(tmp_path / "project"), tmp_path / "target"
    first = _warehouse(tmp_path / "first.duckdb", with_state=False)
    daily = _warehouse(tmp_path / "daily.duckdb", with_state=True)
    assert NO_JSON_ARTIFACTS not in daily_build_args(project, target, tmp_path / "missing.duckdb")[0]
    assert NO_JSON_ARTIFACTS not in daily_build_args(project, target, first)[0]
    assert NO_JSON_ARTIFACTS in daily_build_args(project, target, daily)[0]


def _event(name: str, unique_id: str | None, status: str, seconds: float) -> dict:
    node = {"node_status": status, "node_started_at": "2026-07-01T05:00:01", "node_finished_at": "x"}
    if unique_id:
        node["unique_id"] = unique_id
    return {"info": {"name": name}, "data": {"execution_time": seconds, "status": status, "node_info": node}}


def test_run_results_hold_every_finished_node_from_its_result_event(tmp_path: Path) -> None:
    results = RunResults()
    for event in (
        _event("LogHookEndLine", "operation.p.p-on-run-start-0", "success", 0.01),
        _event("LogStartLine", "model.p.m", "started", 0.0),  # not a result
        _event("LogModelResult", "model.p.m", "success", 1.5),
        _event("NodeFinished", "model.p.m", "success", 1.5),  # debug: never on stdout, not counted twice
        _event("LogTestResult", "test.p.unique_m_x.abc", "pass", 0.2),
        _event("LogTestResult", "unit_test.p.m.t", "pass", 0.1),
        _event("LogTestResult", None, "pass", 0.1),  # no node
        {"info": {"name": "MainReportVersion"}, "data": {}},
    ):
        results.add(event)
    results.write(tmp_path)
    written = json.loads((tmp_path / RUN_RESULTS).read_text())
    ran = [(r["unique_id"], r["status"], r["execution_time"]) for r in written["results"]]
    assert ran == [
        ("operation.p.p-on-run-start-0", "success", 0.01),
        ("model.p.m", "success", 1.5),
        ("test.p.unique_m_x.abc", "pass", 0.2),
        ("unit_test.p.m.t", "pass", 0.1),
    ]
    assert not list(tmp_path.glob("*.tmp"))
