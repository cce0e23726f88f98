"""Funnel arithmetic over `marts.rpt_funnel_daily` rows: pure functions, testable without Streamlit."""

from __future__ import annotations

import polars as pl

STAGES: tuple[str, ...] = ("received", "contacted", "verified", "scheduled", "evaluated")
STAGE_LABELS: dict[str, str] = {s: s.capitalize() for s in STAGES}


def stage_totals(daily: pl.DataFrame) -> pl.DataFrame:
    """One row per stage: count, rate from the previous stage, and rate from received."""
    counts = [int(daily.get_column(s).sum() or 0) if daily.height else 0 for s in STAGES]
    received = counts[0]
    step = [None] + [(counts[i] / counts[i - 1]) if counts[i - 1] else None for i in range(1, len(counts))]
    overall = [(c / received) if received else None for c in counts]
    return pl.DataFrame(
        {
            "stage": [STAGE_LABELS[s] for s in STAGES],
            "order": list(range(len(STAGES))),
            "count": counts,
            "rate_from_previous": step,
            "rate_from_received": overall,
        },
        schema_overrides={"rate_from_previous": pl.Float64, "rate_from_received": pl.Float64},
    )


def weekly_trend(daily: pl.DataFrame) -> pl.DataFrame:
    """Counts per ISO week (Monday) and stage, long format for a line chart."""
    if daily.height == 0:
        return pl.DataFrame(schema={"week": pl.Date, "stage": pl.Utf8, "count": pl.Int64})
    weekly = (
        daily.with_columns(week=pl.col("day").cast(pl.Date).dt.truncate("1w"))
        .group_by("week")
        .agg([pl.col(s).sum().cast(pl.Int64) for s in STAGES])
        .sort("week")
    )
    return weekly.unpivot(
        index="week", on=list(STAGES), variable_name="stage", value_name="count"
    ).with_columns(pl.col("stage").replace_strict(STAGE_LABELS))
