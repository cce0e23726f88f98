"""Audit log (admin only): who saw or changed what, newest first."""

from __future__ import annotations

import streamlit as st

from app.lib import audit
from app.lib.page_context import require_user

user = require_user("audit")
st.title("Audit log")
entries = audit.read_entries()
actions = st.multiselect("Actions", audit.ACTIONS, key="audit_actions")
shown = entries.filter(entries["action"].is_in(actions)) if actions else entries
st.markdown(f"**{shown.height:,} entries**")
st.dataframe(shown, hide_index=True, width="stretch", key="audit_table")
