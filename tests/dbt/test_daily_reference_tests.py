"""Tests of the reference data alone (ref.* sources, no scope, no as-of) are left out of a daily run while
the ref data, the project's SQL and the versions are those they last passed with, and run again as soon
as any of them changes. Fast: no dbt process runs here."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from orchestration.transform.dbt_daily_selection import (
    daily_build,
    record_reference_tests_passed,
    reference_tests,
)


def _manifest(path: Path) -> Path:
    """A ref-only test, a test whose model also reads a raw source, one scoped by `where`, one over a
    model that reads the as-of."""

    def test(name: str, parent: str, where: str | None = None) -> dict:
        return {
            "resource_type": "test",
            "name": name,
            "config": {"where": where},
            "depends_on": {"nodes": [parent], "macros": []},
        }

    nodes = {
        "model.p.stg_ref": {"resource_type": "model", "depends_on": {"nodes": ["source.p.ref.clinics"]}},
        "model.p.mixed": {
            "resource_type": "model",
            "depends_on": {"nodes": ["model.p.stg_ref", "source.p.raw.calls"]},
        },
        "model.p.dated": {
            "resource_type": "model",
            "depends_on": {"nodes": ["source.p.ref.clinics"], "macros": ["macro.ptleads.as_of"]},
        },
        "test.p.unique_ref": test("unique_ref", "model.p.stg_ref"),
        "test.p.unique_mixed": test("unique_mixed", "model.p.mixed"),
        "test.p.scoped_ref": test("scoped_ref", "model.p.stg_ref", "__increment_rows__"),
        "test.p.unique_dated": test("unique_dated", "model.p.dated"),
    }
    sources = {"source.p.ref.clinics": {"schema": "ref"}, "source.p.raw.calls": {"schema": "raw"}}
    path.write_text(json.dumps({"nodes": nodes, "sources": sources}))
    return path


def _project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "models" / "m.sql").write_text("select 1 as x\n")
    return root


def _warehouse(path: Path, *, daily: bool, reference: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists intermediate; create schema if not exists ref")
    if daily:
        con.execute("create table if not exists intermediate.int_source_records_state (version integer)")
    con.execute("create or replace table ref.load_fingerprint as select ? as fingerprint", [reference])
    con.close()
    return path


def test_only_unscoped_tests_of_ref_sources_without_as_of(tmp_path: Path) -> None:
    assert reference_tests(_manifest(tmp_path / "manifest.json")) == {"unique_ref"}


def test_the_project_reference_tests_read_ref_tables_alone() -> None:
    from orchestration.transform.dbt_project_files import DBT_PROJECT  # parses the project when stale

    found = reference_tests(DBT_PROJECT.manifest_path)
    assert found and all(("stg_ref__" in n or "dim_clinics" in n or "dim_payers" in n) for n in found)


def test_left_out_while_unchanged_run_again_on_any_change(tmp_path: Path) -> None:
    project, target = _project(tmp_path / "project"), tmp_path / "target"
    manifest = _manifest(tmp_path / "manifest.json")
    warehouse = _warehouse(tmp_path / "w.duckdb", daily=True, reference="config-1")

    def left_out() -> bool:
        build = daily_build(project, target, warehouse, manifest)
        excluded = build.args[build.args.index("--exclude") + 1].split()
        assert ("unique_ref" in excluded) == (build.reference_tests is None)
        if build.reference_tests is not None:  # the build ran them and passed: stamp
            record_reference_tests_passed(target, build.reference_tests)
        return "unique_ref" in excluded

    assert not left_out()  # never passed on this warehouse
    assert left_out()
    _warehouse(warehouse, daily=True, reference="config-2")  # the practice config or ZIP data changed
    assert not left_out()
    assert left_out()
    (project / "models" / "m.sql").write_text("select 2 as x\n")  # the SQL changed
    assert not left_out()
    assert left_out()


def test_a_first_build_runs_them(tmp_path: Path) -> None:
    project, target = _project(tmp_path / "project"), tmp_path / "target"
    manifest = _manifest(tmp_path / "manifest.json")
    first = _warehouse(tmp_path / "w.duckdb", daily=False, reference="config-1")
    build = daily_build(project, target, first, manifest)
    record_reference_tests_passed(target, "anything")
    assert "unique_ref" not in " ".join(daily_build(project, target, first, manifest).args)
    assert build.args[0] == "build" and "--no-write-json" not in build.args
