"""Data desk: data freshness per source, the ingest log, quarantined files with reasons (re-queue)."""

from __future__ import annotations

import streamlit as st

from app.lib import audit
from app.lib.exports import export_button
from app.lib.page_context import require_snapshot, require_user
from app.lib.quarantine_files import list_quarantined, requeue
from app.lib.queries_desk import freshness_by_source, ingest_log

user = require_user("data_desk")
st.title("Data desk")
info = require_snapshot()
path, published = str(info.path), info.published_at

st.subheader("Freshness by source")
fresh = freshness_by_source(path, published)
st.dataframe(fresh, hide_index=True, width="stretch", key="freshness_table")

st.subheader("Quarantined files")
files = list_quarantined()
if not files:
    st.caption("Nothing in quarantine.")
for item in files:
    left, mid, right = st.columns([2, 4, 1])
    left.markdown(f"`{item.source}/{item.name}`")
    mid.markdown(item.reason or "(no reason recorded)")
    if right.button("Re-queue", key=f"requeue_{item.source}_{item.name}"):
        target = requeue(item)
        audit.record(user, "requeue", f"{item.source}/{item.name}")
        st.success(f"Moved back to {target.parent.name}/; the next run ingests it.")

st.subheader("Ingest log")
log = ingest_log(path, published)
status = st.multiselect("Status", ["ok", "partial", "quarantined"], key="ingest_status")
shown = log.filter(log["status"].is_in(status)) if status else log
st.dataframe(shown, hide_index=True, width="stretch", key="ingest_table")
export_button("Download CSV", shown, "ingest_log.csv", user, "ingest_csv")
