"""SLA metrics aggregated in the warehouse (load_sla_counts + sla_table_from_counts) give the rows the
per-lead path (load_sla_leads + sla_table) gives: random leads, tiers outside the targets, missing
clinics, first contacts before receipt, leads exactly at their target."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.actions import warehouse_reads as reads
from orchestration.actions.call_list import sla_table, sla_table_from_counts

AS_OF = datetime(2026, 7, 1, 5, 0)
TARGETS = {"high": timedelta(minutes=30), "standard": timedelta(hours=2), "complex": timedelta(hours=1)}

lead = st.tuples(
    st.sampled_from(["ATX-S", "RR", "", None]),
    st.sampled_from(["high", "standard", "complex", "low", None]),
    # minutes before as-of: around each target, so "exactly due" and "not yet due" both occur
    st.one_of(st.sampled_from([30, 60, 120, 0]), st.integers(0, 600)),
    st.one_of(st.none(), st.integers(-10, 300)),  # minutes from receipt to first contact
    st.integers(0, 59_999_999),  # microseconds: ties to the microsecond matter
)


def _warehouse(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_leads (lead_id varchar, clinic_id varchar, priority_tier varchar, "
        "received_at timestamp, first_contact_at timestamp)"
    )
    for i, (clinic, tier, age, contact, micros) in enumerate(rows):
        received = AS_OF - timedelta(minutes=age) + timedelta(microseconds=micros % 7)
        first = received + timedelta(minutes=contact, microseconds=micros) if contact is not None else None
        con.execute(
            "insert into marts.fct_leads values (?, ?, ?, ?, ?)", [f"L{i}", clinic, tier, received, first]
        )
    con.execute("insert into marts.fct_leads values ('no-receipt', 'RR', 'high', null, null)")
    return con


def _rows(rows: list) -> set[tuple]:
    return {(r.clinic_id, r.priority_tier, r.target_minutes, r.leads, r.within, r.share) for r in rows}


@settings(max_examples=40, deadline=None)
@given(st.lists(lead, max_size=40), st.sampled_from([TARGETS, {"standard": timedelta(hours=2)}]))
def test_counts_in_the_warehouse_match_the_per_lead_table(rows: list[tuple], targets: dict) -> None:
    con = _warehouse(rows)
    expected = sla_table(reads.load_sla_leads(con), AS_OF, targets)
    got = sla_table_from_counts(reads.load_sla_counts(con, AS_OF, targets), AS_OF, targets)
    assert _rows(got) == _rows(expected)
    assert len(got) == len(expected)
