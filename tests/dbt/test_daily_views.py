"""Views whose SQL is unchanged are left out of a daily run while they exist in the warehouse and none of
their data tests would run; any change to the SQL, yml, profile or versions builds them again. Fast: no
dbt process runs here."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from orchestration.transform.dbt_daily_selection import (
    daily_build,
    quiet_views,
    record_views_built,
)


def _manifest(path: Path) -> Path:
    """stg_quiet (tests all full_build_only), stg_tested (a test every run), stg_bare (no tests), a table."""

    def model(name: str, materialized: str) -> dict:
        return {
            "resource_type": "model",
            "name": name,
            "schema": "staging",
            "config": {"materialized": materialized},
        }

    def test(name: str, parent: str, tags: list[str]) -> dict:
        return {"resource_type": "test", "name": name, "tags": tags, "config": {"where": None},
                "depends_on": {"nodes": [parent], "macros": []}}  # fmt: skip

    nodes = {
        "model.p.stg_quiet": model("stg_quiet", "view"),
        "model.p.stg_tested": model("stg_tested", "view"),
        "model.p.stg_bare": model("stg_bare", "view"),
        "model.p.int_table": model("int_table", "table"),
        "test.p.unique_quiet": test("unique_quiet", "model.p.stg_quiet", ["full_build_only"]),
        "test.p.unique_tested": test("unique_tested", "model.p.stg_tested", []),
        "test.p.unique_table": test("unique_table", "model.p.int_table", []),
    }
    path.write_text(json.dumps({"nodes": nodes, "sources": {}}))
    return path


def _project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "models" / "m.sql").write_text("select 1 as x\n")
    (root / "profiles.yml").write_text("p: {}\n")
    return root


def _warehouse(path: Path, views: list[str], *, daily: bool = True) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists intermediate; create schema if not exists staging")
    if daily:
        con.execute("create table if not exists intermediate.int_source_records_state (version integer)")
    for view in views:
        con.execute(f"create or replace view staging.{view} as select 1 as x")
    con.close()
    return path


def test_only_views_whose_tests_all_stay_out_and_whose_upstream_views_are_kept(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path / "manifest.json")
    assert list(quiet_views(manifest, {"unique_quiet"})) == ["model.p.stg_bare", "model.p.stg_quiet"]
    assert list(quiet_views(manifest, set())) == ["model.p.stg_bare"]
    # stg_above reads stg_bare: after it, and only while stg_bare is kept (present in the warehouse)
    nodes = json.loads(manifest.read_text())
    nodes["nodes"]["model.p.stg_above"] = {
        **nodes["nodes"]["model.p.stg_bare"],
        "name": "stg_above",
        "depends_on": {"nodes": ["model.p.stg_bare", "source.p.raw.x"]},
    }
    manifest.write_text(json.dumps(nodes))
    assert list(quiet_views(manifest, set())) == ["model.p.stg_bare", "model.p.stg_above"]
    assert list(quiet_views(manifest, set(), frozenset({"staging.stg_above"}))) == []


def test_left_out_once_built_for_this_sql_and_while_present(tmp_path: Path) -> None:
    project, target = _project(tmp_path / "project"), tmp_path / "target"
    manifest = _manifest(tmp_path / "manifest.json")
    warehouse = _warehouse(tmp_path / "w.duckdb", ["stg_quiet", "stg_tested", "stg_bare"])

    def kept() -> set[str]:
        build = daily_build(project, target, warehouse, manifest)
        excluded = set(build.args[build.args.index("--exclude") + 1].split())
        names = {uid.split(".")[-1] for uid in build.kept_views}
        assert names == excluded & {"stg_quiet", "stg_tested", "stg_bare"}
        assert (build.views is None) == bool(names)
        if build.views is not None:  # the build made the views: stamp
            record_views_built(target, build.views)
        return names

    assert kept() == set()  # never built by a phase that stamped them
    assert kept() == {"stg_quiet", "stg_bare"}  # stg_tested's test runs daily: it is built
    con = duckdb.connect(str(warehouse))
    con.execute("drop view staging.stg_bare")  # e.g. a restored or hand-edited warehouse
    con.close()
    assert kept() == {"stg_quiet"}
    (project / "models" / "m.sql").write_text("select 2 as x\n")  # the SQL changed
    assert kept() == set()
    assert kept() == {"stg_quiet"}
    (project / "profiles.yml").write_text("p: {changed: true}\n")  # the profile changed
    assert kept() == set()


def test_a_first_build_builds_every_view(tmp_path: Path) -> None:
    project, target = _project(tmp_path / "project"), tmp_path / "target"
    manifest = _manifest(tmp_path / "manifest.json")
    first = _warehouse(tmp_path / "w.duckdb", ["stg_quiet", "stg_bare"], daily=False)
    build = daily_build(project, target, first, manifest)
    record_views_built(target, build.views or "")
    build = daily_build(project, target, first, manifest)
    assert build.kept_views == () and build.views is not None
