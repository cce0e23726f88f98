"""stg_ml__lead_scores as a daily increment (macros/incremental_lead_scores.sql) equals the latest score of
each lead at or before the as-of over every day's marts.lead_scores, whatever the days before wrote.

A hand-made marts.lead_scores (no other model runs): scores over several as-ofs, then daily runs as
increments; a rerun at the same as-of that drops a lead's score (the lead falls back to its older score,
from before the last build), a lead scored by two model versions at once, and an earlier as-of (a full
rebuild). After each run the table must equal the reference query (EXCEPT ALL both ways).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from orchestration.transform.dbt_invoke import run_dbt

DAY1 = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
MODEL = "staging.stg_ml__lead_scores"
REFERENCE = """
    select lead_id, as_of as scored_as_of, score, priority_tier, expected_value,
        '[' || array_to_string(reasons, ', ') || ']' as reasons, model_version, route
    from marts.lead_scores where as_of <= ?
    qualify row_number() over (partition by lead_id order by scored_as_of desc, model_version desc) = 1
"""


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def _score(con: duckdb.DuckDBPyConnection, at: datetime, leads: list[str], version: str = "3") -> None:
    """Replace the rows of as-of `at` for `leads` (as ml/score.py does: delete the as-of's rows, insert)."""
    con.execute("delete from marts.lead_scores where as_of = ?", [_naive(at)])
    for n, lead in enumerate(leads):
        con.execute(
            "insert into marts.lead_scores "
            "values (?, ?, ?, 'standard', 1.5, ['Diagnosis: knee (~10 visits)', 'Workers'' comp'], ?, "
            "'standard_queue')",
            [lead, _naive(at), n / 10 + at.day / 1000, version],
        )


def _run(settings: Settings, at: datetime, target: Path) -> tuple[str, int, int]:
    """Build the model as of `at`: (its plan, rows only in the table, rows only in the reference)."""
    run_dbt(settings.with_overrides(as_of=at), "run", target, select="stg_ml__lead_scores")
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        plan = con.execute("select plan from marts_state.stg_ml__lead_scores_run").fetchone()[0]
        table = f"select * from {MODEL}"
        only_table = con.execute(f"select count(*) from ({table} except all ({REFERENCE}))", [_naive(at)])
        only_table_rows = only_table.fetchone()[0]
        only_ref = con.execute(f"select count(*) from (({REFERENCE}) except all {table})", [_naive(at)])
        return plan, only_table_rows, only_ref.fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow
def test_lead_scores_increment_equals_latest_scores(tmp_path: Path) -> None:
    settings = Settings().with_overrides(warehouse=tmp_path / "warehouse.duckdb", as_of=DAY1)
    con = duckdb.connect(str(settings.warehouse))
    con.execute("create schema marts")
    con.execute(
        "create table marts.lead_scores (lead_id varchar, as_of timestamp, score double, "
        "priority_tier varchar, expected_value double, reasons varchar[], model_version varchar, "
        "route varchar)"
    )
    _score(con, DAY1, ["a", "b", "c", "d"])
    _score(con, DAY1 + timedelta(days=1), ["a", "b"])  # a future as-of: not read as of day 1
    con.close()
    target = tmp_path / "dbt"
    assert _run(settings, DAY1, target) == ("create", 0, 0)

    day = DAY1 + timedelta(days=1)
    assert _run(settings, day, target) == ("increment", 0, 0)

    # A rerun at the same as-of drops b's score (b falls back to day 1's) and scores e twice (two versions).
    con = duckdb.connect(str(settings.warehouse))
    _score(con, day, ["a", "e"])
    con.execute(
        "insert into marts.lead_scores values ('e', ?, 0.9, 'high', 2.0, ['other'], '4', 'senior_staff')",
        [_naive(day)],
    )
    con.close()
    assert _run(settings, day, target) == ("increment", 0, 0)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    kept = dict(con.execute(f"select lead_id, scored_as_of from {MODEL}").fetchall())
    lost = con.execute("select lead_id from marts_state.stg_ml__lead_scores_scope where lost").fetchall()
    e_version = con.execute(f"select model_version from {MODEL} where lead_id = 'e'").fetchall()
    con.close()
    assert kept["b"] == _naive(DAY1) and kept["a"] == _naive(day)
    assert lost == [("b",)]
    assert e_version == [("4",)]

    # Days with no new scores, then a day that scores only c.
    day3, day4 = day + timedelta(days=1), day + timedelta(days=2)
    assert _run(settings, day3, target) == ("increment", 0, 0)
    con = duckdb.connect(str(settings.warehouse))
    _score(con, day4, ["c"])
    con.close()
    assert _run(settings, day4, target) == ("increment", 0, 0)

    # An earlier as-of rebuilds whole (day 2's scores are after it again), then the next day is an increment.
    assert _run(settings, DAY1, target) == ("full", 0, 0)
    assert _run(settings, day4, target) == ("increment", 0, 0)

    # A missing state rebuilds whole.
    con = duckdb.connect(str(settings.warehouse))
    con.execute("drop table marts_state.stg_ml__lead_scores_state")
    con.close()
    assert _run(settings, day4, target) == ("full", 0, 0)
