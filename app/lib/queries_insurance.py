"""SQL of the insurance work (`marts.insurance_tasks`, written by the next-actions engine: one current task
per open lead at most, replaced every run), for the call list and lead detail pages.

Cached on the snapshot's published_at like app/lib/queries.py; an older snapshot without the table gives
no tasks."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.lib.queries import relation_exists, run_sql

TASK_LABELS = {
    "call_payer": "Call the payer",
    "request_authorization": "Request authorization",
    "resolve_inactive_coverage": "Resolve inactive coverage",
    "collect_insurance": "Collect insurance details",
    "queue_270": "Eligibility inquiry (270) queued",
}
# queue_270 is done by the pipeline itself (the 270 outbox); the call list shows the work people do.
SYSTEM_OWNER = "system"
COLUMNS = "lead_id, clinic_id, task, owner_role, due_at, reason"


def task_label(task: str) -> str:
    return TASK_LABELS.get(task, task.replace("_", " ").capitalize())


@st.cache_data(show_spinner=False)
def tasks_for_lead(path: str, published_at: str, lead_id: str) -> pl.DataFrame:
    """The lead's open insurance tasks (system ones included: they say what is already under way)."""
    if not relation_exists(path, published_at, "marts", "insurance_tasks"):
        return pl.DataFrame()
    sql = f"select {COLUMNS} from marts.insurance_tasks where lead_id = ? order by due_at, task"
    return run_sql(path, sql, [lead_id])


@st.cache_data(show_spinner=False)
def open_tasks(path: str, published_at: str, clinic_ids: tuple[str, ...] = ()) -> pl.DataFrame:
    """Insurance tasks for people (not the pipeline's own) in the given clinics (all when empty)."""
    if not relation_exists(path, published_at, "marts", "insurance_tasks"):
        return pl.DataFrame()
    params: list[object] = [SYSTEM_OWNER]
    sql = f"select {COLUMNS} from marts.insurance_tasks where owner_role <> ?"
    if clinic_ids:
        sql += " and list_contains(?::varchar[], clinic_id)"
        params.append(list(clinic_ids))
    return run_sql(path, sql + " order by due_at, clinic_id, task, lead_id", params)
