"""With raw 271 answers present, the outbox finds the answered leads through the records traced to its
candidates (the staging view's window then runs over those records alone). A lead counts as answered
exactly when the latest version of some record names it, as the view over every answer says: also a
record whose null id puts it in the view's one partition of id-less rows."""

from __future__ import annotations

from datetime import datetime

import duckdb

from orchestration.ingest.outbox_270 import pending_inquiries
from tests.ingest import test_outbox_270 as shared
from tests.ingest.test_outbox_270 import AS_OF, PROVIDER

con = shared.con  # the outbox tests' warehouse (L3's answer, there a bare table, is replaced here)

# stg_eligibility__responses' shape: each record's latest version by ingestion, trace_id as lead_id
VIEW = """
create or replace view staging.stg_eligibility__responses as
with latest as (
    select * from raw.eligibility_responses
    qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
)
select source_record_id, trace_id as lead_id from latest
"""


def _answers(con: duckdb.DuckDBPyConnection, rows: list[tuple[str | None, str, int]]) -> None:
    con.execute("drop table staging.stg_eligibility__responses")
    con.execute(
        "create table raw.eligibility_responses "
        "(source_record_id varchar, trace_id varchar, ingested_at timestamp)"
    )
    con.executemany(
        "insert into raw.eligibility_responses values (?, ?, ?)",
        [(record, trace, datetime(2025, 3, day)) for record, trace, day in rows],
    )
    con.execute(VIEW)


def _asked(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [q.trace_id for q, _ in pending_inquiries(con, AS_OF, 14, PROVIDER)]


def test_latest_version_decides(con: duckdb.DuckDBPyConnection) -> None:
    _answers(
        con,
        [
            ("R1", "L1", 1),  # L1 answered
            ("R2", "L2", 1),  # L2 named by an older version only: the latest names L3
            ("R2", "L3", 2),
        ],
    )
    assert _asked(con) == ["L2", "L7"]


def test_id_less_answers_form_one_partition(con: duckdb.DuckDBPyConnection) -> None:
    _answers(con, [(None, "L1", 1), (None, "L2", 2)])  # the latest id-less row names L2 alone
    assert _asked(con) == ["L1", "L3", "L7"]


def test_no_answer_for_any_candidate(con: duckdb.DuckDBPyConnection) -> None:
    _answers(con, [("R9", "L99", 1)])
    assert _asked(con) == ["L1", "L2", "L3", "L7"]
