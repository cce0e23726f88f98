"""Every writer connection and dbt's own connection cap DuckDB's memory (it spills past the cap instead of
taking 80% of the server's RAM): the limit comes from Settings and reaches dbt through export_env."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.resources import WarehouseResource, settings_env
from orchestration.settings import DEFAULT_DUCKDB_MEMORY_LIMIT, Settings, memory_limit_for
from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    # DuckDB reports the setting in binary units: "953.6 MiB" for 1GB.
    return con.execute("select current_setting('memory_limit')").fetchone()[0]


def test_writer_connection_takes_the_configured_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PTLEADS_DUCKDB_MEMORY_LIMIT", raising=False)
    settings = Settings().with_overrides(warehouse=tmp_path / "w.duckdb", duckdb_memory_limit="1GB")
    with settings_env(settings), WarehouseResource(path=str(settings.warehouse)).connect() as con:
        limited = _limit(con)
    with WarehouseResource(path=str(settings.warehouse)).connect() as con:
        default = _limit(con)
    assert limited.startswith("953.6 MiB"), limited  # 1 GB = 10^9 bytes
    same = duckdb.connect(config={"memory_limit": DEFAULT_DUCKDB_MEMORY_LIMIT})
    assert default == _limit(same), (default, DEFAULT_DUCKDB_MEMORY_LIMIT)


@pytest.mark.parametrize(
    ("ram", "limit"),
    [(None, "4GB"), (8 * 2**30, "4GB"), (16 * 10**9, "4GB"), (24 * 2**30, "6GB"), (64 * 2**30, "17GB")],
)
def test_default_limit_is_a_quarter_of_the_ram_and_at_least_4gb(ram: int | None, limit: str) -> None:
    assert memory_limit_for(ram) == limit


def test_dbt_profile_reads_the_exported_limit() -> None:
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    settings = profile["ptleads"]["outputs"]["dev"]["settings"]
    assert "PTLEADS_DUCKDB_MEMORY_LIMIT" in settings["memory_limit"]
    # dbt run by hand, without the pipeline's export: the floor of the default (no RAM known).
    assert f"'{memory_limit_for(None)}'" in settings["memory_limit"]
    assert Settings(duckdb_memory_limit="2GB").export_env()["PTLEADS_DUCKDB_MEMORY_LIMIT"] == "2GB"
