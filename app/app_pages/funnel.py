"""Funnel page: received -> contacted -> verified -> scheduled -> evaluated, with trend and filters."""

from __future__ import annotations

import streamlit as st

from app.lib import queries
from app.lib.charts import funnel_chart, weekly_trend_chart
from app.lib.drilldown import segment_picker, show_leads
from app.lib.exports import export_button
from app.lib.filters import dashboard_filters
from app.lib.funnel import STAGE_LABELS, stage_totals, weekly_trend
from app.lib.page_context import require_snapshot, require_user

user = require_user("funnel")
st.title("Lead funnel")
info = require_snapshot()
f = dashboard_filters(info, user)

daily = queries.funnel_daily(str(info.path), info.published_at, f.start, f.end, f.clinic_ids)
totals = stage_totals(daily)

for column, row in zip(st.columns(len(totals)), totals.iter_rows(named=True), strict=True):
    rate = row["rate_from_previous"]
    column.metric(row["stage"], f"{row['count']:,}")
    column.caption("of all received" if rate is None else f"{rate:.0%} of previous stage")
overall = totals["rate_from_received"][-1]
st.markdown(f"**Received to evaluated:** {overall:.1%}" if overall is not None else "No leads in this range.")

st.altair_chart(funnel_chart(totals), width="stretch")
st.subheader("By week")
weekly = weekly_trend(daily)
st.altair_chart(weekly_trend_chart(weekly), width="stretch")

left, right = st.columns(2)
with left:
    export_button(
        "Download CSV", daily, f"funnel_{f.start.isoformat()}_{f.end.isoformat()}.csv", user, "funnel_csv"
    )
with right:
    export_button("Download weekly CSV", weekly, "funnel_weekly.csv", user, "funnel_weekly_csv")

st.subheader("Leads behind a stage")
labels = {v: k for k, v in STAGE_LABELS.items()}
stage = segment_picker("Stage reached", list(labels), key="funnel_drill")
if stage:
    show_leads(info, user, f, key="funnel_stage", stage=labels[stage])
