"""SQL of the lead detail page: the lead, its person (PHI), timeline, fax, eligibility, score reasons.

Behind `st.cache_data` keyed on the snapshot's published_at, like app/lib/queries.py.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.lib.queries import relation_exists, run_sql
from orchestration.fax_fields import CONTRACT_FIELDS

PERSON_COLUMNS = "first_name, last_name, dob, phone_e164, email, zip5"
FAX_FIELDS = CONTRACT_FIELDS
ELIGIBILITY_COLUMNS = (
    "checked_at, payer, member_id, active, plan_name, copay, coinsurance, "
    "deductible_remaining, oop_remaining, visit_limit, visits_used, auth_required, in_network, "
    "rejection_reason"
)


@st.cache_data(show_spinner=False)
def lead(path: str, published_at: str, lead_id: str) -> dict[str, object] | None:
    frame = run_sql(path, "select * from marts.fct_leads where lead_id = ?", [lead_id])
    return frame.row(0, named=True) if frame.height else None


@st.cache_data(show_spinner=False)
def lead_ids(path: str, published_at: str, clinic_ids: tuple[str, ...] = (), limit: int = 2000) -> list[str]:
    """Recent lead ids a user may open (newest first), for the lead picker."""
    params: list[object] = []
    sql = "select lead_id from marts.fct_leads where true"
    if clinic_ids:
        sql += " and list_contains(?::varchar[], clinic_id)"
        params.append(list(clinic_ids))
    return run_sql(path, sql + f" order by received_at desc limit {int(limit)}", params)["lead_id"].to_list()


@st.cache_data(show_spinner=False)
def person(path: str, published_at: str, person_id: str) -> dict[str, object] | None:
    frame = run_sql(path, f"select {PERSON_COLUMNS} from marts.dim_persons where person_id = ?", [person_id])
    return frame.row(0, named=True) if frame.height else None


@st.cache_data(show_spinner=False)
def timeline(path: str, published_at: str, lead_id: str) -> pl.DataFrame:
    """Touches and appointments of a lead, oldest first, in one list."""
    sql = """
        select event_at as at, source, touch_kind as kind, direction, touch_result as result, source_record_id
        from marts.fct_touches where lead_id = ?
        union all
        select coalesce(booked_at, start_at), source, 'appointment:' || appointment_type, null,
               status || ' for ' || strftime(start_at, '%Y-%m-%d %H:%M'), appointment_id
        from marts.fct_appointments where lead_id = ?
        order by 1 nulls last
    """
    return run_sql(path, sql, [lead_id, lead_id])


@st.cache_data(show_spinner=False)
def faxes(path: str, published_at: str, lead_id: str) -> pl.DataFrame:
    """The lead's faxes from marts.fax_extractions: fields as staff corrected them (confidence 1.0) or as
    read, confidences, page images."""
    if not relation_exists(path, published_at, "marts", "fax_extractions"):
        return pl.DataFrame()
    cols = ", ".join(f"{c}, {c}_confidence" for c in FAX_FIELDS)
    sql = f"""
        select source_record_id, received_at, {cols}, needs_review, page_images, corrected_by
        from marts.fax_extractions where lead_id = ? order by received_at, source_record_id
    """
    return run_sql(path, sql, [lead_id])


@st.cache_data(show_spinner=False)
def eligibility(path: str, published_at: str, lead_id: str) -> pl.DataFrame:
    """Every 271 answer attributed to the lead (by our 270's trace or by the person), newest first."""
    if not relation_exists(path, published_at, "marts", "eligibility"):
        return pl.DataFrame()
    sql = f"""
        select {ELIGIBILITY_COLUMNS} from marts.eligibility
        where lead_id = ? order by checked_at desc nulls last
    """
    return run_sql(path, sql, [lead_id])


@st.cache_data(show_spinner=False)
def no_show_risk(path: str, published_at: str, lead_id: str) -> dict[str, object] | None:
    """p(no-show) of the lead's booked, not yet held evaluation at the newest scoring run, if any."""
    if not relation_exists(path, published_at, "marts", "no_show_risk"):
        return None
    sql = """
        select p_no_show, model_version from marts.no_show_risk
        where lead_id = ? and as_of = (select max(as_of) from marts.no_show_risk)
    """
    frame = run_sql(path, sql, [lead_id])
    return frame.row(0, named=True) if frame.height else None


@st.cache_data(show_spinner=False)
def score(path: str, published_at: str, lead_id: str) -> dict[str, object] | None:
    sql = """
        select as_of, score, priority_tier, expected_value, reasons, model_version from marts.lead_scores
        where lead_id = ? order by as_of desc limit 1
    """
    frame = run_sql(path, sql, [lead_id])
    return frame.row(0, named=True) if frame.height else None


@st.cache_data(show_spinner=False)
def next_action(path: str, published_at: str, lead_id: str) -> dict[str, object] | None:
    if not relation_exists(path, published_at, "marts", "next_actions"):
        return None
    sql = (
        "select action, channel, due_at, owner_role, reason, script from marts.next_actions where lead_id = ?"
    )
    frame = run_sql(path, sql, [lead_id])
    return frame.row(0, named=True) if frame.height else None
