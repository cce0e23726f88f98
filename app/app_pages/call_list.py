"""Call-list page: today's ordered list of whom to call, text or email, with reasons and a script."""

from __future__ import annotations

import streamlit as st

from app.lib import queries
from app.lib.exports import csv_bytes
from app.lib.page_context import require_snapshot

ALL = "All clinics"

st.title("Call list")
info = require_snapshot()
path, published = str(info.path), info.published_at

clinic_rows = queries.clinics(path, published)
names = dict(zip(clinic_rows["id"], clinic_rows["name"], strict=True))
choice = st.selectbox(
    "Clinic", options=[ALL, *names], format_func=lambda c: names.get(c, c), key="call_clinic"
)
clinic_id = None if choice == ALL else choice

rows = queries.call_list(path, published, clinic_id)
st.markdown(
    f"**{rows.height:,} open leads** to work" + ("" if clinic_id is None else f" at {names[clinic_id]}")
)

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
)

st.download_button(
    "Export CSV",
    data=csv_bytes(rows),
    file_name=f"call_list_{clinic_id or 'all'}.csv",
    mime="text/csv",
)
