"""Every SQL query of the dashboards and call list, each behind `st.cache_data` (lead detail and data
desk SQL live in queries_lead.py / queries_desk.py). Table and column names appear only here.

Each function takes the snapshot path and its `published_at`: both are part of the cache key, so a
new publish (new published_at) invalidates every cached result without a TTL guess. Each call opens
and closes its own read-only connection, so a re-publish can swap the file between reruns.
`clinic_ids` = () means every clinic; staff pages always pass their scope.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import streamlit as st

from app.lib.snapshot import connect_read_only

CALL_LIST_COLUMNS = (
    "rank",
    "clinic_id",
    "priority_tier",
    "action",
    "channel",
    "due_at",
    "owner_role",
    "score",
    "expected_value",
    "reason",
    "script",
    "lead_id",
)
# Breakdown dimension -> SQL expression over fct_leads `l` (+ dim_referrers `r`).
DIMENSIONS: dict[str, str] = {
    "source": "l.source",
    "referrer": "coalesce(r.referrer_name, l.referring_npi, 'none')",
    "payer": "coalesce(l.payer, 'unknown')",
    "clinic": "l.clinic_id",
    "diagnosis_group": "coalesce(l.diagnosis_group, 'unknown')",
}
STAGE_COLUMNS = {
    "received": "received_at",
    "contacted": "first_contact_at",
    "verified": "verified_at",
    "scheduled": "scheduled_at",
    "evaluated": "evaluated_at",
}
LEAD_COLUMNS = (
    "lead_id, clinic_id, source, payer, diagnosis_group, status, priority_tier, score, expected_value, "
    "received_at, first_contact_at, scheduled_at, evaluated_at"
)
# Same predicate as marts.rpt_leakage: qualified, received 14+ days before as-of, not scheduled in 14 days.
LEAKED_PREDICATE = """
    l.received_at <= ?::timestamp - interval 14 day
    and (l.post_op or l.payer_tier in ('high', 'standard'))
    and (l.scheduled_at is null or l.scheduled_at > l.received_at + interval 14 day)
"""


def run_sql(path: str, sql: str, params: list[object] | None = None) -> pl.DataFrame:
    con = connect_read_only(path)
    try:
        return con.sql(sql, params=params or None).pl()
    finally:
        con.close()


def _in_clinics(column: str, clinic_ids: tuple[str, ...], params: list[object]) -> str:
    if not clinic_ids:
        return ""
    params.append(list(clinic_ids))
    return f" and list_contains(?::varchar[], {column})"


def _lead_filter(start: date, end: date, clinic_ids: tuple[str, ...], params: list[object]) -> str:
    params.extend([start, end])
    return "l.received_at::date between ? and ?" + _in_clinics("l.clinic_id", clinic_ids, params)


@st.cache_data(show_spinner=False)
def relation_exists(path: str, published_at: str, schema: str, name: str) -> bool:
    frame = run_sql(
        path,
        "select count(*) as n from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    )
    return bool(frame.item(0, "n"))


@st.cache_data(show_spinner=False)
def clinics(path: str, published_at: str) -> pl.DataFrame:
    return run_sql(path, "select id, name from ref.clinics order by name")


@st.cache_data(show_spinner=False)
def funnel_date_bounds(path: str, published_at: str) -> tuple[date | None, date | None]:
    frame = run_sql(path, "select min(day)::date as lo, max(day)::date as hi from marts.rpt_funnel_daily")
    return frame.item(0, "lo"), frame.item(0, "hi")


@st.cache_data(show_spinner=False)
def funnel_daily(
    path: str, published_at: str, start: date, end: date, clinic_ids: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Daily funnel rows in [start, end], optionally for some clinics only."""
    params: list[object] = [start, end]
    sql = """
        select day::date as day, source, clinic_id, received, contacted, verified, scheduled, evaluated
        from marts.rpt_funnel_daily
        where day::date between ? and ?
    """ + _in_clinics("clinic_id", clinic_ids, params)
    return run_sql(path, sql + " order by day, clinic_id, source", params)


@st.cache_data(show_spinner=False)
def funnel_by_dimension(
    path: str, published_at: str, dimension: str, start: date, end: date, clinic_ids: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Stage counts and conversion per value of one dimension (leads received in the range)."""
    expr = DIMENSIONS[dimension]
    params: list[object] = []
    where = _lead_filter(start, end, clinic_ids, params)
    counts = ", ".join(f"count(l.{c}) as {s}" for s, c in STAGE_COLUMNS.items())
    sql = f"""
        select {expr} as value, {counts},
               count(l.scheduled_at) / count(*) as scheduled_rate,
               count(l.evaluated_at) / count(*) as evaluated_rate
        from marts.fct_leads l left join marts.dim_referrers r using (referring_npi)
        where {where}
        group by all order by received desc, value
    """
    return run_sql(path, sql, params)


@st.cache_data(show_spinner=False)
def speed_weekly(
    path: str, published_at: str, start: date, end: date, clinic_ids: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Per receipt week: median hours to first contact, share within 30 min / 2 h, median days to
    scheduled and to evaluated."""
    params: list[object] = []
    where = _lead_filter(start, end, clinic_ids, params)
    hours = "date_diff('second', l.received_at, l.first_contact_at) / 3600.0"
    sql = f"""
        select date_trunc('week', l.received_at)::date as week, count(*) as received,
            median({hours}) as median_hours_to_first_contact,
            avg(case when {hours} <= 0.5 then 1.0 else 0.0 end) as share_contacted_30min,
            avg(case when {hours} <= 2 then 1.0 else 0.0 end) as share_contacted_2h,
            median(date_diff('second', l.received_at, l.scheduled_at) / 86400.0) as median_days_to_scheduled,
            median(date_diff('second', l.received_at, l.evaluated_at) / 86400.0) as median_days_to_evaluated
        from marts.fct_leads l where {where}
        group by all order by week
    """
    return run_sql(path, sql, params)


@st.cache_data(show_spinner=False)
def sla_by_tier(
    path: str,
    published_at: str,
    start: date,
    end: date,
    clinic_ids: tuple[str, ...],
    targets_hours: tuple[tuple[str, float], ...],
    as_of: datetime,
) -> pl.DataFrame:
    """Per priority tier: leads whose SLA target has passed, and the share first contacted in time."""
    params: list[object] = [[t for t, _ in targets_hours], [h for _, h in targets_hours]]
    sql = """
        with targets as (select unnest(?::varchar[]) as priority_tier, unnest(?::double[]) as target_hours)
        select t.priority_tier, t.target_hours, count(*) as due,
            count(*) filter (where date_diff('second', l.received_at, l.first_contact_at) / 3600.0
                <= t.target_hours) as within
        from marts.fct_leads l join targets t using (priority_tier)
        where l.received_at + to_microseconds((t.target_hours * 3600e6)::bigint) <= ?::timestamp and """
    params.append(as_of)
    sql += _lead_filter(start, end, clinic_ids, params) + " group by all order by t.target_hours"
    return run_sql(path, sql, params).with_columns(share=pl.col("within") / pl.col("due"))


@st.cache_data(show_spinner=False)
def leakage_monthly(
    path: str, published_at: str, start: date, end: date, clinic_ids: tuple[str, ...] = ()
) -> pl.DataFrame:
    params: list[object] = [start, end]
    sql = """
        select month, clinic_id, qualified_leads, leaked_leads, leaked_revenue from marts.rpt_leakage
        where month between date_trunc('month', ?::date) and ?::date
    """ + _in_clinics("clinic_id", clinic_ids, params)
    return run_sql(path, sql + " order by month, clinic_id", params)


@st.cache_data(show_spinner=False)
def leads_in_segment(
    path: str,
    published_at: str,
    start: date,
    end: date,
    clinic_ids: tuple[str, ...] = (),
    dimension: str | None = None,
    value: str | None = None,
    stage: str | None = None,
    leaked_as_of: datetime | None = None,
    limit: int = 5000,
) -> pl.DataFrame:
    """The leads behind a chart segment: a dimension value, a stage reached, or leaked. No PHI."""
    params: list[object] = []
    where = _lead_filter(start, end, clinic_ids, params)
    if dimension is not None and value is not None:
        where += f" and {DIMENSIONS[dimension]} = ?"
        params.append(value)
    if stage is not None:
        where += f" and l.{STAGE_COLUMNS[stage]} is not null"
    if leaked_as_of is not None:
        where += " and " + LEAKED_PREDICATE
        params.append(leaked_as_of)
    cols = ", ".join(f"l.{c.strip()}" for c in LEAD_COLUMNS.split(","))
    sql = f"""
        select {cols} from marts.fct_leads l left join marts.dim_referrers r using (referring_npi)
        where {where} order by l.received_at desc limit {int(limit)}
    """
    return run_sql(path, sql, params)


def _call_list_select(path: str, published_at: str) -> str:
    """marts.call_list, written by the next-actions engine (its `score` is the model's probability; the
    engine's rank already orders by urgency x expected value within each clinic and owner role)."""
    return f"select {', '.join(CALL_LIST_COLUMNS)} from marts.call_list"


@st.cache_data(show_spinner=False)
def call_list(path: str, published_at: str, clinic_ids: tuple[str, ...] = ()) -> pl.DataFrame:
    """Today's ordered call list for the given clinics (all when empty)."""
    params: list[object] = []
    sql = _call_list_select(path, published_at) + " where true" + _in_clinics("clinic_id", clinic_ids, params)
    return run_sql(path, sql + " order by rank, clinic_id, owner_role, lead_id", params)
