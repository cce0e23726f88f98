"""Full refresh vs incremental day-by-day replay over the same data give identical marts.

A small generated practice (300 leads over 2 months) is ingested and built once as of five days before
its end; dbt then runs once a day up to the end, incrementally (fct_touches merges only changed
touches, pair scoring rescores only new or changed identity nodes). A copy of that warehouse is rebuilt
with --full-refresh as of the last day, and every marts table must match row for row (EXCEPT ALL both
ways), and so must the identity tables the incremental pair scoring feeds (pairs, clusters, episodes)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import generate
from orchestration.pipeline import run_pipeline
from orchestration.settings import REPO_ROOT, Settings
from orchestration.transform.dbt_invoke import run_dbt

END = date(2026, 3, 31)
REPLAY_DAYS = 5  # four incremental days on top of the first build (ten cost CI ~80 s more)


def _as_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


# Intermediate tables built from reused state (the last build's pairs and node hashes) or downstream of it.
IDENTITY_TABLES = (
    "intermediate.int_record_matches",
    "intermediate.int_identity_nodes",
    "intermediate.int_persons_clustered",
    "intermediate.int_persons_matched",
    "intermediate.int_lead_episodes",
)


def _compared_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    marts = [
        f"marts.{name}"
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
    ]
    return marts + list(IDENTITY_TABLES)


def _differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    """Per compared table: (rows only in the incremental build, rows only in the full refresh)."""
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        con.execute(f"attach '{full}' as full_build (read_only)")
        tables = _compared_tables(con)
        assert "marts.fct_leads" in tables and "marts.fct_touches" in tables
        out = {}
        for table in tables:
            inc_only = con.execute(
                f"select count(*) from (select * from {table} except all select * from full_build.{table})"
            ).fetchone()[0]
            full_only = con.execute(
                f"select count(*) from (select * from full_build.{table} except all select * from {table})"
            ).fetchone()[0]
            out[table] = (inc_only, full_only)
        return out
    finally:
        con.close()


@pytest.mark.slow
def test_daily_incremental_replay_equals_full_refresh(tmp_path: Path) -> None:
    generate(
        out_dir=tmp_path / "gen",
        seed=7,
        n_leads=300,
        months=2,
        n_clinics=3,
        end=END,
        max_faxes=0,
        base_config=REPO_ROOT / "config",
        progress=lambda _msg: None,
    )
    first_day = END - timedelta(days=REPLAY_DAYS - 1)
    settings = Settings().with_overrides(
        inbox=tmp_path / "gen" / "inbox",
        warehouse=tmp_path / "inc" / "warehouse.duckdb",
        config_dir=tmp_path / "gen" / "config",
        as_of=_as_of(first_day),
    )
    run_pipeline(settings, lambda _msg: None)  # ingest everything, build and score as of day 1
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    touches_day1 = con.execute("select count(*) from marts.fct_touches").fetchone()[0]
    con.close()

    for offset in range(1, REPLAY_DAYS):
        day_settings = settings.with_overrides(as_of=_as_of(first_day + timedelta(days=offset)))
        run_dbt(day_settings, "run", tmp_path / "dbt_inc")

    full_path = tmp_path / "full" / "warehouse.duckdb"
    full_path.parent.mkdir()
    shutil.copy(settings.warehouse, full_path)
    full_settings = settings.with_overrides(warehouse=full_path, as_of=_as_of(END))
    run_dbt(full_settings, "run", tmp_path / "dbt_full", full_refresh=True)

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    touches_end = con.execute("select count(*) from marts.fct_touches").fetchone()[0]
    future = con.execute(
        f"select count(*) from marts.fct_touches where event_at > timestamp '{END} 23:59:59'"
    ).fetchone()[0]
    con.close()
    assert touches_end > touches_day1  # the replay really added days
    assert future == 0
    diffs = _differences(settings.warehouse, full_path)
    assert {t: d for t, d in diffs.items() if d != (0, 0)} == {}
