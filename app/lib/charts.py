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


def breakdown_chart(rows: pl.DataFrame, label: str) -> alt.Chart:
    """Received vs evaluated per segment, with the evaluated rate in the tooltip."""
    long = rows.select("value", "received", "evaluated", "evaluated_rate").unpivot(
        index=["value", "evaluated_rate"],
        on=["received", "evaluated"],
        variable_name="stage",
        value_name="leads",
    )
    return (
        alt.Chart(long.to_pandas())
        .mark_bar()
        .encode(
            y=alt.Y("value:N", sort="-x", title=label),
            x=alt.X("leads:Q", title="Leads", stack=None),
            color=alt.Color("stage:N", title="Stage"),
            tooltip=["value:N", "stage:N", "leads:Q", alt.Tooltip("evaluated_rate:Q", format=".0%")],
        )
        .properties(height=max(160, 22 * rows.height))
    )


def line_chart(frame: pl.DataFrame, x: str, y: str, title: str, fmt: str = ".1f") -> alt.Chart:
    return (
        alt.Chart(frame.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:T", title=None),
            y=alt.Y(f"{y}:Q", title=title, axis=alt.Axis(format=fmt)),
            tooltip=[f"{x}:T", alt.Tooltip(f"{y}:Q", format=fmt)],
        )
        .properties(height=220)
    )


def bar_chart(frame: pl.DataFrame, x: str, y: str, color: str | None, title: str) -> alt.Chart:
    enc = {
        "x": alt.X(f"{x}:T", title=None),
        "y": alt.Y(f"{y}:Q", title=title),
        "tooltip": [f"{x}:T", f"{y}:Q"] + ([f"{color}:N"] if color else []),
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N")
    return alt.Chart(frame.to_pandas()).mark_bar().encode(**enc).properties(height=240)
