"""The engine's eligibility read: the latest 271 answer per open lead, as picked over the staging view's
latest version of each record. The read lists the records first (any version traced to an open lead) so
the record filter reaches below the view's window; the answers must be those the whole view gives."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from orchestration.actions import warehouse_reads as reads

COLUMNS = (
    "active, copay, coinsurance, deductible_remaining, visit_limit, visits_used, auth_required, "
    "in_network, checked_at"
)


def _warehouse(with_raw: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw; create schema staging")
    con.execute(
        "create table raw.eligibility_responses (source_record_id varchar, trace_id varchar, "
        "ingested_at timestamp, checked_at date, rejection_code varchar, active boolean, copay double, "
        "coinsurance double, deductible_remaining double, visit_limit bigint, visits_used bigint, "
        "auth_required boolean, in_network boolean)"
    )
    con.execute(
        """insert into raw.eligibility_responses values
        -- r1: two versions for 'a', the newer wins (active)
        ('r1', 'a', '2026-06-01 08:00', '2026-06-01', null, false, null, null, null, null, null, null, null),
        ('r1', 'a', '2026-06-02 08:00', '2026-06-02', null, true, 20, null, 100, 30, 2, false, true),
        -- r2: an older answer for 'a'
        ('r2', 'a', '2026-05-01 08:00', '2026-05-01', null, true, 40, null, null, null, null, null, null),
        -- r3: once traced to 'a' with the newest check, its latest version belongs to 'closed'
        ('r3', 'a', '2026-06-03 08:00', '2026-06-10', null, true, 99, null, null, null, null, null, null),
        ('r3', 'closed', '2026-06-04 08:00', '2026-06-10', null, true, 5, null, null, null, null, null, null),
        -- r4: the newest answer for 'b' is a rejection: the older one counts
        ('r4', 'b', '2026-06-01 08:00', '2026-06-01', null, true, null, 0.2, 0, null, null, true, false),
        ('r5', 'b', '2026-06-05 08:00', '2026-06-05', 'AAA', null, null, null, null, null, null, null, null),
        -- r6: a lead that is not open
        ('r6', 'c', '2026-06-05 08:00', '2026-06-05', null, true, 10, null, null, null, null, null, null)"""
    )
    # the staging view's shape: each record's latest version, trace_id as lead_id
    con.execute(
        """create view staging.stg_eligibility__responses as
        with latest as (
            select * from raw.eligibility_responses
            qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
        )
        select *, trace_id as lead_id, cast(checked_at as timestamp) as event_at from latest"""
    )
    if not with_raw:  # a hand-built warehouse: the staging relation alone
        con.execute("create table staging.answers as select * from staging.stg_eligibility__responses")
        con.execute("drop view staging.stg_eligibility__responses")
        con.execute("drop table raw.eligibility_responses")
        con.execute("alter table staging.answers rename to stg_eligibility__responses")
    con.register(reads.OPEN_IDS, pa.table({"lead_id": ["a", "b", "d"]}))
    return con


def _whole_view(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """The answers as the read picked them before: the lead filter after the view's window."""
    rows = con.execute(
        f"""select lead_id, {COLUMNS} from staging.stg_eligibility__responses
        where lead_id in (select lead_id from {reads.OPEN_IDS}) and rejection_code is null
        qualify row_number() over (
            partition by lead_id order by checked_at desc nulls last, event_at desc
        ) = 1"""
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_latest_answer_per_open_lead_from_each_records_latest_version() -> None:
    con = _warehouse()
    answers = reads._latest_answers(con)
    assert answers == _whole_view(con)
    assert answers == {
        "a": (True, 20.0, None, 100.0, 30, 2, False, True, date(2026, 6, 2)),
        "b": (True, None, 0.2, 0.0, None, None, True, False, date(2026, 6, 1)),
    }


def test_without_raw_answers_the_view_alone_decides() -> None:
    con = _warehouse(with_raw=False)
    assert reads._latest_answers(con) == _whole_view(con)
    assert set(reads._latest_answers(con)) == {"a", "b"}


def test_no_record_traced_to_an_open_lead_reads_no_answer() -> None:
    con = _warehouse()
    con.unregister(reads.OPEN_IDS)
    con.register(reads.OPEN_IDS, pa.table({"lead_id": ["d"]}))
    assert reads._latest_answers(con) == {}
