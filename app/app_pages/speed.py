"""Speed to lead: hours to first contact, SLA compliance per priority tier, time to appointment."""

from __future__ import annotations

import streamlit as st

from app.lib import queries
from app.lib.charts import line_chart
from app.lib.drilldown import segment_picker, show_leads
from app.lib.exports import export_button
from app.lib.filters import dashboard_filters
from app.lib.page_context import require_snapshot, require_user
from app.lib.sla_targets import sla_targets_hours
from orchestration.settings import Settings

user = require_user("speed")
st.title("Speed to lead")
info = require_snapshot()
f = dashboard_filters(info, user)
path, published = str(info.path), info.published_at
as_of = (info.as_of or Settings().as_of).replace(tzinfo=None)

targets = sla_targets_hours(Settings().config_dir)
sla = queries.sla_by_tier(path, published, f.start, f.end, f.clinic_ids, tuple(targets.items()), as_of)
st.subheader("SLA compliance (first contact within target)")
cols = st.columns(max(1, sla.height))
for column, row in zip(cols, sla.iter_rows(named=True), strict=False):
    share = row["share"]
    column.metric(
        f"{row['priority_tier']} (≤ {row['target_hours']:g} h)", "n/a" if share is None else f"{share:.0%}"
    )
    column.caption(f"{row['within']:,} of {row['due']:,} leads")
export_button("Download SLA CSV", sla, "sla_by_tier.csv", user, "sla_csv")

weekly = queries.speed_weekly(path, published, f.start, f.end, f.clinic_ids)
st.subheader("By week")
left, right = st.columns(2)
left.altair_chart(
    line_chart(weekly, "week", "median_hours_to_first_contact", "Median hours to first contact"),
    width="stretch",
)
right.altair_chart(
    line_chart(weekly, "week", "share_contacted_2h", "Contacted within 2 h", fmt=".0%"), width="stretch"
)
st.subheader("Time to appointment")
left, right = st.columns(2)
left.altair_chart(
    line_chart(weekly, "week", "median_days_to_scheduled", "Median days received → scheduled"),
    width="stretch",
)
right.altair_chart(
    line_chart(weekly, "week", "median_days_to_evaluated", "Median days received → evaluated"),
    width="stretch",
)
st.dataframe(weekly, hide_index=True, width="stretch", key="speed_table")
export_button("Download weekly CSV", weekly, "speed_to_lead_weekly.csv", user, "speed_csv")

st.subheader("Leads behind a stage")
stage = segment_picker("Leads that reached", ["contacted", "scheduled", "evaluated"], key="speed_drill")
if stage:
    show_leads(info, user, f, key="speed_stage", stage=stage)
