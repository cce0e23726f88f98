"""Call list: today's ordered list of whom to call, text or email (the user's clinics), with the reason
and script, one-click outcome logging, an audited export and an audited push to configured targets."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import streamlit as st

from app.lib import audit, queries
from app.lib import queries_insurance as qi
from app.lib.call_list_push import PushConfigError, call_list_rows, load_push_targets, push_call_list
from app.lib.exports import export_button
from app.lib.page_context import clinic_names, require_snapshot, require_user
from app.lib.staff_writes import OUTCOMES, log_outcome
from orchestration.settings import Settings

ALL = "All my clinics"
OUTCOME_LABELS = {
    "reached": "Reached",
    "voicemail": "Voicemail",
    "no_answer": "No answer",
    "scheduled": "Scheduled",
    "wrong_number": "Wrong number",
    "declined": "Declined",
    "opted_out": "Opted out",
}

user = require_user("call_list")
st.title("Call list")
info = require_snapshot()
path, published = str(info.path), info.published_at

names = clinic_names(path, published, user)
choice = st.selectbox(
    "Clinic", options=[ALL, *names], format_func=lambda c: names.get(c, c), key="call_clinic"
)
scope = tuple(names) if choice == ALL else (choice,)
rows = queries.call_list(path, published, scope if (user.clinic_scope or choice != ALL) else ())
where = "" if choice == ALL else f" at {names[choice]}"
st.markdown(f"**{rows.height:,} open leads** to work{where}")

st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    column_config={
        "rank": st.column_config.NumberColumn("#", format="%d"),
        "clinic_id": "Clinic",
        "priority_tier": "Priority",
        "action": "Action",
        "channel": "Channel",
        "due_at": st.column_config.DatetimeColumn("Due", format="YYYY-MM-DD HH:mm"),
        "owner_role": "Owner",
        "reason": st.column_config.TextColumn("Why", width="large"),
        "script": st.column_config.TextColumn("Script", width="large"),
        "score": st.column_config.ProgressColumn("Score", min_value=0.0, max_value=1.0, format="%.2f"),
        "expected_value": st.column_config.NumberColumn("Expected value", format="$%.0f"),
        "lead_id": "Lead",
    },
    key="call_table",
)
export_button("Export CSV", rows, f"call_list_{'all' if choice == ALL else choice}.csv", user, "call_export")

with st.expander("Push this list to the team"):
    try:
        targets = load_push_targets(Settings())
    except PushConfigError as err:
        targets = None
        st.error(str(err))
    if targets is None or not targets.methods:
        st.caption("No push targets configured (push.yaml in the practice config); use Export CSV.")
    else:
        methods = tuple(
            m for m in targets.methods if st.checkbox(targets.describe(m), value=True, key=f"push_{m}")
        )
        if st.button("Push", key="push_list", disabled=not methods or rows.height == 0):
            push_rows = call_list_rows(info.path, scope if (user.clinic_scope or choice != ALL) else ())
            as_of = (info.as_of or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
            with st.spinner("Pushing…"):
                records = push_call_list(user, push_rows, targets, methods, as_of)
            failed = [r for r in records if r.status != "ok"]
            summary = f"Pushed {len(push_rows)} rows in {len(records)} pushes ({len(failed)} failed)"
            (st.warning if failed else st.success)(summary)

st.subheader("Insurance tasks")
tasks = qi.open_tasks(path, published, scope if (user.clinic_scope or choice != ALL) else ())
if tasks.height == 0:
    st.caption(f"No open insurance task{where}.")
else:
    counts = tasks.group_by("task").len().sort("len", descending=True)
    summary = ", ".join(f"{qi.task_label(t)} {n}" for t, n in counts.iter_rows())
    st.markdown(f"**{tasks.height:,} open insurance tasks**{where}: {summary}")
    st.dataframe(
        tasks.with_columns(pl.col("task").map_elements(qi.task_label, return_dtype=pl.String)),
        hide_index=True,
        width="stretch",
        column_config={
            "lead_id": "Lead",
            "clinic_id": "Clinic",
            "task": "Task",
            "owner_role": "Owner",
            "due_at": st.column_config.DatetimeColumn("Due", format="YYYY-MM-DD HH:mm"),
            "reason": st.column_config.TextColumn("Why", width="large"),
        },
        key="insurance_tasks",
    )

st.subheader("Log an outcome")
if rows.height == 0:
    st.info("Nothing to work right now.")
    st.stop()
lead_id = st.selectbox("Lead", options=rows["lead_id"].to_list(), key="outcome_lead")
picked = rows.filter(rows["lead_id"] == lead_id).row(0, named=True)
st.markdown(f"**{picked['action']}** by {picked['channel']} · {picked['reason']}")
st.info(picked["script"] or "No script for this action.")
note = st.text_input("Note (optional)", key="outcome_note")
for column, outcome in zip(st.columns(len(OUTCOMES)), OUTCOMES, strict=True):
    if column.button(OUTCOME_LABELS[outcome], key=f"outcome_{outcome}", width="stretch"):
        written = log_outcome(lead_id, outcome, user.username, note)
        audit.record(user, "outcome", lead_id, f"{outcome} ({written['outcome_id']})")
        st.success(f"Logged {OUTCOME_LABELS[outcome].lower()} for {lead_id}; the next run picks it up.")
