"""Every SQL query the app runs, each behind `st.cache_data`.

Each function takes the snapshot path and its `published_at`: both are part of the cache key, so a
new publish (new published_at) invalidates every cached result without a TTL guess. Each call opens
and closes its own read-only connection, so a re-publish can swap the file between reruns.
"""

from __future__ import annotations

from datetime import date

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


def _query(path: str, sql: str, params: list[object] | None = None) -> pl.DataFrame:
    con = connect_read_only(path)
    try:
        return con.sql(sql, params=params or None).pl()
    finally:
        con.close()


@st.cache_data(show_spinner=False)
def clinics(path: str, published_at: str) -> pl.DataFrame:
    return _query(path, "select id, name from ref.clinics order by name")


@st.cache_data(show_spinner=False)
def funnel_date_bounds(path: str, published_at: str) -> tuple[date | None, date | None]:
    frame = _query(path, "select min(day)::date as lo, max(day)::date as hi from marts.rpt_funnel_daily")
    return frame.item(0, "lo"), frame.item(0, "hi")


@st.cache_data(show_spinner=False)
def funnel_daily(
    path: str, published_at: str, start: date, end: date, clinic_ids: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Daily funnel rows in [start, end], optionally for some clinics only."""
    sql = """
        select day::date as day, source, clinic_id, received, contacted, verified, scheduled, evaluated
        from marts.rpt_funnel_daily
        where day::date between ? and ?
    """
    params: list[object] = [start, end]
    if clinic_ids:
        sql += " and list_contains(?::varchar[], clinic_id)"
        params.append(list(clinic_ids))
    return _query(path, sql + " order by day, clinic_id, source", params)


@st.cache_data(show_spinner=False)
def call_list(path: str, published_at: str, clinic_id: str | None = None) -> pl.DataFrame:
    """Today's ordered call list, all clinics or one."""
    sql = f"select {', '.join(CALL_LIST_COLUMNS)} from marts.call_list"
    params: list[object] = []
    if clinic_id:
        sql += " where clinic_id = ?"
        params.append(clinic_id)
    return _query(path, sql + " order by rank, clinic_id, lead_id", params)
