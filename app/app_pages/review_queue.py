"""Review queue: low-confidence fax extractions, the page image beside editable fields; corrections
go to `<inbox>/fax_corrections/` as JSON Lines (audited)."""

from __future__ import annotations

import streamlit as st

from app.lib import audit
from app.lib.fax_images import page_image_files
from app.lib.page_context import require_snapshot, require_user
from app.lib.queries_desk import review_queue
from app.lib.staff_writes import CORRECTABLE_FIELDS, log_fax_correction

user = require_user("review_queue")
st.title("Review queue")
info = require_snapshot()
items = review_queue(str(info.path), info.published_at)
if items.height == 0:
    st.info("No fax is waiting for review.")
    st.stop()
st.markdown(f"**{items.height:,} faxes** need a look")
st.dataframe(items.select("source_record_id", "reason", "created_at"), hide_index=True, key="review_table")

record_id = st.selectbox("Fax", options=items["source_record_id"].to_list(), key="review_fax")
row = items.filter(items["source_record_id"] == record_id).row(0, named=True)
if st.session_state.get("review_logged_for") != record_id:
    audit.record(user, "view_phi", str(record_id), "review queue")
    st.session_state["review_logged_for"] = record_id

image_col, form_col = st.columns(2)
with image_col:
    images = page_image_files(row["page_images"])
    if images:
        st.image([str(p) for p in images], width="stretch")
    else:
        st.caption("No page image stored.")
with form_col, st.form(f"correct_{record_id}"):
    values: dict[str, str] = {}
    for field in CORRECTABLE_FIELDS:
        current = row.get(field)
        text = ", ".join(current) if isinstance(current, list) else ("" if current is None else str(current))
        confidence = row.get(f"{field}_confidence")
        label = f"{field} ({confidence:.0%})" if isinstance(confidence, float) else field
        values[field] = st.text_input(label, value=text, key=f"fix_{record_id}_{field}")
    if st.form_submit_button("Save corrections"):
        log_fax_correction(str(record_id), values, user.username)
        audit.record(user, "correction", str(record_id), f"{len(values)} fields")
        st.success("Saved; the next pipeline run applies it.")
