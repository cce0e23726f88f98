"""The engine's timeline reads fetch the open leads' rows alone (a closed lead's history is most of a
warehouse and none of the engine's input), and still keep one row per touch: the SMS opt-out keyword of
the newest ingested copy of a message."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from orchestration.actions import warehouse_reads as reads
from orchestration.lost_after import lost_after_days

AS_OF = datetime(2026, 7, 1, 5, 0)


def _warehouse(register_open_ids: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts; create schema raw")
    con.execute(
        "create table marts.fct_touches (touch_id varchar, lead_id varchar, event_at timestamp, "
        "touch_kind varchar, direction varchar, touch_result varchar, source varchar, "
        "source_record_id varchar)"
    )
    con.execute(
        """insert into marts.fct_touches values
        ('t1', 'open', '2026-06-30 10:00', 'call', 'Outbound', 'No Answer', 'calls', 'c1'),
        ('t2', 'open', '2026-06-30 11:00', 'sms', 'inbound', 'received', 'sms', 's1'),
        ('t3', 'open', '2026-07-02 09:00', 'call', 'outbound', 'connected', 'calls', 'c2'),
        ('t4', 'closed', '2026-06-29 09:00', 'call', 'outbound', 'connected', 'calls', 'c3'),
        ('t5', 'closed', '2026-06-29 10:00', 'sms', 'inbound', 'received', 'sms', 's2'),
        ('t6', null, '2026-06-29 10:00', 'web', null, 'page_view', 'web', 'w1')"""
    )
    con.execute(
        "create table raw.sms_messages (source_record_id varchar, opt_keyword varchar, ingested_at timestamp)"
    )
    con.execute(
        """insert into raw.sms_messages values
        ('s1', 'START', '2026-06-30 12:00'), ('s1', 'STOP', '2026-06-30 13:00'),
        ('s2', 'STOP', '2026-06-29 12:00')"""
    )
    con.execute(
        "create table marts.fct_appointments (lead_id varchar, start_at timestamp, status varchar, "
        "appointment_type varchar, practitioner_id varchar, duration_min integer)"
    )
    con.execute(
        """insert into marts.fct_appointments values
        ('open', '2026-06-20 09:00', 'noshow', 'eval', 'p1', null),
        ('closed', '2026-06-21 09:00', 'fulfilled', 'eval', 'p1', 45),
        ('open', null, 'booked', 'eval', 'p1', 60)"""
    )
    con.execute("create table raw.eligibility_inquiries_sent (lead_id varchar, sent_at timestamp)")
    con.execute(
        """insert into raw.eligibility_inquiries_sent values
        ('open', '2026-06-28 05:00'), ('open', '2026-06-29 05:00'), ('closed', '2026-06-29 05:00')"""
    )
    if register_open_ids:
        con.register(reads.OPEN_IDS, pa.table({"lead_id": ["open"]}))
    return con


def test_touches_of_open_leads_only_one_row_per_touch_newest_copy_wins() -> None:
    rows = sorted(_warehouse().execute(reads.TOUCHES_SQL, [AS_OF]).fetchall())
    assert rows == [
        ("open", datetime(2026, 6, 30, 10), "call", "outbound", "no answer", None, False),
        ("open", datetime(2026, 6, 30, 11), "sms", "inbound", "received", "stop", True),
    ]


def test_appointments_and_inquiries_of_open_leads_only() -> None:
    con = _warehouse()
    assert con.execute(reads.APPOINTMENTS_SQL).fetchall() == [
        ("open", datetime(2026, 6, 20, 9), "noshow", "eval", "p1", 60)
    ]
    assert con.execute(reads.INQUIRIES_SQL).fetchall() == [("open", datetime(2026, 6, 29, 5))]


def test_a_table_check_leaves_no_half_read_result() -> None:
    """The check for the 270 log runs before the open ids are unregistered: on a warehouse without the
    log (no outbox run yet) a half-read count made unregister() fail (DuckDB 2)."""
    con = duckdb.connect()
    con.register(reads.OPEN_IDS, pa.table({"lead_id": ["open"]}))
    assert not reads._has_table(con, "raw", "eligibility_inquiries_sent")
    con.unregister(reads.OPEN_IDS)


def _with_leads(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The tables LEADS_SQL joins: 'open' is contacted, 'closed' lost, 'noshow' scheduled but open again
    through a no-show evaluation (an engine lead whose own touches are not read as inbound times)."""
    con.execute("create schema intermediate; create schema staging; create schema ref")
    con.execute(
        "create table marts.fct_leads (lead_id varchar, clinic_id varchar, status varchar, "
        "priority_tier varchar, received_at timestamp, expected_value double, score double, "
        "diagnosis_group varchar, payer varchar, payer_tier varchar, post_op boolean, person_id varchar, "
        "distance_km double, first_contact_at timestamp)"
    )
    con.execute(
        """insert into marts.fct_leads values
        ('open', 'C1', 'contacted', 'high', '2026-06-20 09:00', 900, 0.8, 'knee', 'P', 'high', false,
            'p1', 3.0, null),
        ('closed', 'C1', 'lost', 'standard', '2026-06-01 09:00', 500, 0.2, 'knee', 'P', 'high', false,
            'p2', 3.0, null),
        ('noshow', 'C1', 'scheduled', 'standard', '2026-06-10 09:00', 500, 0.5, 'knee', 'P', 'high',
            false, 'p3', 3.0, null)"""
    )
    con.execute(
        "create table intermediate.int_leads_resolved (lead_id varchar, has_phone boolean, "
        "has_email boolean, sms_consent boolean, email_consent boolean)"
    )
    con.execute("create table marts.dim_persons (person_id varchar, first_name varchar, zip5 varchar)")
    con.execute("create table staging.stg_ref__zip_codes (zip varchar, timezone varchar)")
    con.execute("create table ref.clinics (id varchar, timezone varchar)")
    con.execute("insert into ref.clinics values ('C1', 'America/Chicago')")
    con.execute(
        "create table staging.stg_eligibility__responses (lead_id varchar, rejection_code varchar, "
        "checked_at date, event_at timestamp, active boolean, copay double, coinsurance double, "
        "deductible_remaining double, visit_limit bigint, visits_used bigint, auth_required boolean, "
        "in_network boolean)"
    )
    con.execute(
        """insert into marts.fct_touches values
        ('t7', 'open', '2026-06-30 19:00', 'web', 'inbound', 'scheduling_view', 'web', 'w2'),
        ('t8', 'noshow', '2026-06-29 08:00', 'call', 'inbound', 'connected', 'calls', 'c4'),
        ('t9', 'open', '2026-06-30 20:00', 'email', 'inbound', 'open', 'email', 'e1')"""
    )
    con.execute(
        "insert into marts.fct_appointments values ('noshow', '2026-06-25 09:00', 'noshow', 'eval', 'p1', 60)"
    )
    return con


def test_inbound_times_come_from_the_timeline_read_for_open_leads_only() -> None:
    con = _with_leads(_warehouse(register_open_ids=False))
    inputs = reads.read_engine_inputs(con, AS_OF)
    assert {lead.lead_id for lead in inputs.leads} == {"open", "noshow"}
    expected = {lead: sorted(times) for lead, times in reads.load_inbound_times(con, AS_OF).items()}
    assert {lead: sorted(times) for lead, times in inputs.inbound.items()} == expected
    assert expected == {"open": [datetime(2026, 6, 30, 11), datetime(2026, 6, 30, 19)]}
    assert reads.load_engine_inputs(con, AS_OF) == inputs.leads


def test_a_no_show_not_rebooked_within_lost_after_days_leaves_the_open_list() -> None:
    """Recovery ends when the funnel would close an unbooked lead: lost_after_days (30) after the no-show.
    A year-old no-show is not on today's call list (at 1M, 50k of the 96k open leads were such)."""
    con = _with_leads(_warehouse(register_open_ids=False))
    stale_cut = AS_OF - timedelta(days=lost_after_days())
    con.execute("update marts.fct_appointments set start_at = ? where lead_id = 'noshow'", [stale_cut])
    assert {lead.lead_id for lead in reads.read_engine_inputs(con, AS_OF).leads} == {"open"}
    con.execute(
        "update marts.fct_appointments set start_at = ? where lead_id = 'noshow'",
        [stale_cut + timedelta(minutes=1)],
    )
    leads = {lead.lead_id: lead for lead in reads.read_engine_inputs(con, AS_OF).leads}
    assert set(leads) == {"open", "noshow"}
    assert leads["noshow"].status == "contacted"  # back in nurturing through the recovery sequence


def test_lost_after_days_is_read_from_the_dbt_project_and_checked(tmp_path: Path) -> None:
    assert lost_after_days() == 30  # dbt_project.yml's var, the funnel's clock
    bad = tmp_path / "dbt_project.yml"
    bad.write_text("vars:\n  lost_after_days: soon\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lost_after_days must be a positive whole number"):
        lost_after_days(bad)
    bad.write_text("name: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="got None"):
        lost_after_days(bad)
