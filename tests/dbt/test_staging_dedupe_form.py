"""The duplicate-ids-first dedupe measured by benchmarks/staging_dedupe_ab.py keeps exactly the rows the
staging views' `qualify row_number() ... = 1` keeps: repeated ids, null ids, null order keys and a filter
included (the 1M A/B's raw tables held no repeated id, so only this test exercises the ranked branch)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from staging_dedupe_ab import duplicates_first

VIEW = """with latest as (
    select *
    from "warehouse"."raw"."events"
    where event_day <= 5
    qualify row_number() over (
        partition by source_record_id order by last_updated desc nulls last, ingested_at desc
    ) = 1
)
select source_record_id, payload from latest"""

rows = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])),  # source_record_id
        st.integers(0, 8),  # event_day
        st.one_of(st.none(), st.integers(0, 3)),  # last_updated
        st.integers(0, 3),  # ingested_at
        st.text(max_size=3),  # payload
    ),
    max_size=25,
)


def _result(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def test_the_form_is_applied_once_per_dedupe() -> None:
    sql, count = duplicates_first(VIEW)
    assert count == 1
    assert "not in (select source_record_id" in sql and "qualify row_number()" in sql


@settings(max_examples=60, deadline=None)
@given(rows)
def test_duplicates_first_keeps_the_rows_the_window_keeps(data: list[tuple[object, ...]]) -> None:
    con = duckdb.connect()
    con.execute("attach ':memory:' as warehouse; create schema warehouse.raw")
    con.execute(
        'create table "warehouse"."raw"."events" (source_record_id varchar, event_day int, '
        "last_updated int, ingested_at int, payload varchar)"
    )
    # A repeated (id, last_updated, ingested_at) would make either form's pick arbitrary: not compared.
    unique = list({(r[0], r[2], r[3]): r for r in data}.values())
    if unique:
        con.executemany('insert into "warehouse"."raw"."events" values (?, ?, ?, ?, ?)', unique)
    assert _result(con, duplicates_first(VIEW)[0]) == _result(con, VIEW)
