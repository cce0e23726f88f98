"""A one-model dbt-duckdb project in a folder, for tests of how dbt is run (not of the ptleads project)."""

from __future__ import annotations

from pathlib import Path


def probe_project(root: Path, model_sql: str, output: str | None = None) -> Path:
    """root/dbt_project.yml, profiles.yml (DuckDB at root/wh.duckdb, or the target `output`'s YAML lines
    below `type: duckdb`) and models/probe.sql; root."""
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0'\nconfig-version: 2\nprofile: probe\n"
        "flags:\n  send_anonymous_usage_stats: false\n",
        encoding="utf-8",
    )
    (root / "profiles.yml").write_text(
        "probe:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        + (output or f"      path: '{root / 'wh.duckdb'}'\n      threads: 1\n"),
        encoding="utf-8",
    )
    (root / "models" / "probe.sql").write_text(model_sql, encoding="utf-8")
    return root
