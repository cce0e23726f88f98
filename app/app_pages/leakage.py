"""Leakage: qualified leads not scheduled within 14 days, valued at expected episode revenue."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.lib import queries
from app.lib.charts import bar_chart
from app.lib.drilldown import show_leads
from app.lib.exports import export_button
from app.lib.filters import dashboard_filters
from app.lib.page_context import require_snapshot, require_user
from orchestration.settings import Settings

user = require_user("leakage")
st.title("Revenue leakage")
st.caption(
    "Qualified leads (post-op, or a high/standard-tier payer) received 14+ days ago and not scheduled "
    "within 14 days, valued at payer rate × expected visits."
)
info = require_snapshot()
f = dashboard_filters(info, user)
rows = queries.leakage_monthly(str(info.path), info.published_at, f.start, f.end, f.clinic_ids)

leaked, qualified = int(rows["leaked_leads"].sum() or 0), int(rows["qualified_leads"].sum() or 0)
a, b, c = st.columns(3)
a.metric("Leaked revenue", f"${float(rows['leaked_revenue'].sum() or 0):,.0f}")
b.metric("Leaked leads", f"{leaked:,}")
c.metric("Share of qualified leads", f"{leaked / qualified:.0%}" if qualified else "n/a")

by_month = rows.with_columns(pl.col("clinic_id").replace_strict(f.names, default=pl.col("clinic_id")))
st.altair_chart(
    bar_chart(by_month, "month", "leaked_revenue", "clinic_id", "Leaked revenue ($)"), width="stretch"
)
st.dataframe(rows, hide_index=True, width="stretch", key="leakage_table")
export_button("Download CSV", rows, "leakage_by_month.csv", user, "leakage_csv")

st.subheader("The leaked leads")
if st.toggle("Show the leads behind this figure", key="leakage_drill"):
    as_of = (info.as_of or Settings().as_of).replace(tzinfo=None)
    show_leads(info, user, f, key="leakage", leaked_as_of=as_of)
