"""Drill from a chart segment to the leads behind it: a picker of segment values and the lead table."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from app.lib import queries
from app.lib.auth import User
from app.lib.exports import export_button
from app.lib.filters import DashboardFilters
from app.lib.snapshot import SnapshotInfo

LEAD_TABLE_CONFIG = {
    "score": st.column_config.ProgressColumn("Score", min_value=0.0, max_value=1.0, format="%.2f"),
    "expected_value": st.column_config.NumberColumn("Expected value", format="$%.0f"),
}


def show_leads(
    info: SnapshotInfo,
    user: User,
    f: DashboardFilters,
    key: str,
    dimension: str | None = None,
    value: str | None = None,
    stage: str | None = None,
    leaked_as_of: datetime | None = None,
) -> None:
    leads = queries.leads_in_segment(
        str(info.path), info.published_at, f.start, f.end, f.clinic_ids, dimension, value, stage, leaked_as_of
    )
    st.caption(f"{leads.height:,} leads" + (" (first 5,000)" if leads.height >= 5000 else ""))
    st.dataframe(leads, hide_index=True, width="stretch", column_config=LEAD_TABLE_CONFIG, key=f"{key}_table")
    export_button("Download these leads (CSV)", leads, f"leads_{key}.csv", user, key=f"{key}_export")
    if leads.height:
        # Lead detail offers these first, so a manager can open any lead behind the segment.
        st.session_state["drill_leads"] = leads["lead_id"].head(500).to_list()
        st.caption("These leads are offered first on the Lead detail page.")


def segment_picker(label: str, values: list[str], key: str) -> str | None:
    """Which segment to drill into (None = none chosen yet)."""
    return st.selectbox(label, options=values, index=None, placeholder="Pick a segment", key=key)
