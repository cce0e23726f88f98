"""Breakdowns: the funnel by source, referrer, payer, clinic or diagnosis group, drillable to leads."""

from __future__ import annotations

import streamlit as st

from app.lib import queries
from app.lib.charts import breakdown_chart
from app.lib.drilldown import segment_picker, show_leads
from app.lib.exports import export_button
from app.lib.filters import dashboard_filters
from app.lib.page_context import require_snapshot, require_user

DIMENSION_LABELS = {
    "source": "Source",
    "referrer": "Referrer",
    "payer": "Payer",
    "clinic": "Clinic",
    "diagnosis_group": "Diagnosis group",
}

user = require_user("breakdowns")
st.title("Breakdowns")
info = require_snapshot()
f = dashboard_filters(info, user)

dimension = st.radio(
    "Break down by",
    options=list(DIMENSION_LABELS),
    format_func=DIMENSION_LABELS.get,
    horizontal=True,
    key="breakdown_dimension",
)
rows = queries.funnel_by_dimension(str(info.path), info.published_at, dimension, f.start, f.end, f.clinic_ids)
st.altair_chart(breakdown_chart(rows.head(25), DIMENSION_LABELS[dimension]), width="stretch")
st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    column_config={
        "value": DIMENSION_LABELS[dimension],
        "scheduled_rate": st.column_config.NumberColumn("Scheduled rate", format="percent"),
        "evaluated_rate": st.column_config.NumberColumn("Evaluated rate", format="percent"),
    },
    key="breakdown_table",
)
export_button("Download CSV", rows, f"funnel_by_{dimension}.csv", user, "breakdown_csv")

st.subheader("Leads behind a segment")
value = segment_picker(DIMENSION_LABELS[dimension], [str(v) for v in rows["value"]], key="breakdown_drill")
if value is not None:
    show_leads(info, user, f, key="breakdown", dimension=dimension, value=value)
