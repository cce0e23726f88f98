"""Funnel page: received -> contacted -> verified -> scheduled -> evaluated, with trend and filters."""

from __future__ import annotations

from datetime import date

import streamlit as st

from app.lib import queries
from app.lib.charts import funnel_chart, weekly_trend_chart
from app.lib.exports import csv_bytes
from app.lib.funnel import stage_totals, weekly_trend
from app.lib.page_context import require_snapshot

st.title("Lead funnel")
info = require_snapshot()
path, published = str(info.path), info.published_at

lo, hi = queries.funnel_date_bounds(path, published)
if lo is None or hi is None:
    st.info("The snapshot holds no funnel rows yet.")
    st.stop()

clinic_rows = queries.clinics(path, published)
names = dict(zip(clinic_rows["id"], clinic_rows["name"], strict=True))
left, right = st.columns([2, 3])
picked = left.date_input("Received between", value=(lo, hi), min_value=lo, max_value=hi, key="funnel_dates")
chosen = right.multiselect(
    "Clinics", options=list(names), format_func=lambda c: names.get(c, c), placeholder="All clinics"
)
# While a range is being picked the widget returns one date; show up to that day until both are set.
start: date = picked[0] if isinstance(picked, tuple) and picked else lo
end: date = picked[1] if isinstance(picked, tuple) and len(picked) > 1 else hi

daily = queries.funnel_daily(path, published, start, end, tuple(chosen))
totals = stage_totals(daily)

for column, row in zip(st.columns(len(totals)), totals.iter_rows(named=True), strict=True):
    rate = row["rate_from_previous"]
    column.metric(row["stage"], f"{row['count']:,}")
    column.caption("of all received" if rate is None else f"{rate:.0%} of previous stage")
overall = totals["rate_from_received"][-1]
st.markdown(f"**Received to evaluated:** {overall:.1%}" if overall is not None else "No leads in this range.")

st.altair_chart(funnel_chart(totals), width="stretch")
st.subheader("By week")
st.altair_chart(weekly_trend_chart(weekly_trend(daily)), width="stretch")

st.download_button(
    "Download CSV",
    data=csv_bytes(daily),
    file_name=f"funnel_{start.isoformat()}_{end.isoformat()}.csv",
    mime="text/csv",
)
