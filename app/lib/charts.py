"""Altair charts for the dashboards (Altair ships with Streamlit)."""

from __future__ import annotations

import altair as alt
import polars as pl

from app.lib.funnel import STAGE_LABELS


def funnel_chart(totals: pl.DataFrame) -> alt.LayerChart:
    """Horizontal bars, widest first, labelled with count and share of received."""
    data = totals.with_columns(
        label=pl.format(
            "{} ({}%)",
            pl.col("count"),
            (pl.col("rate_from_received").fill_null(0) * 100).round(0).cast(pl.Int64),
        )
    ).to_pandas()
    order = list(STAGE_LABELS.values())
    base = alt.Chart(data).encode(
        y=alt.Y("stage:N", sort=order, title=None),
        x=alt.X("count:Q", title="Leads"),
    )
    bars = base.mark_bar(color="#2a7ab0")
    text = base.mark_text(align="left", dx=4).encode(text="label:N")
    return (bars + text).properties(height=220)


def weekly_trend_chart(weekly: pl.DataFrame) -> alt.Chart:
    order = list(STAGE_LABELS.values())
    return (
        alt.Chart(weekly.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title="Week"),
            y=alt.Y("count:Q", title="Leads"),
            color=alt.Color("stage:N", sort=order, title="Stage"),
            tooltip=["week:T", "stage:N", "count:Q"],
        )
        .properties(height=260)
    )
