"""The model's inputs, rebuilt from the dbt feature mart `marts.ml_lead_features` at a landmark age.

Contact timing predicts conversion strongly, but a brand-new lead is uncontacted only because it is
new. So a lead's state is taken at a landmark age L after receipt (config `landmark_hours`, e.g.
0/4/24/72 h), and also right at its first contact: contacted by then, hours to that contact and since
it, eligibility verified (or found inactive) by then, a second intake channel by then. Scoring uses the
largest landmark not beyond the lead's current age, or the first contact if that came later; training
uses every such state in which the lead was still open (not yet scheduled), so training rows see
exactly the states scoring rows can be in.
Referrer and source history come from the mart, counted as of receipt over matured labels only.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
import polars as pl

FEATURE_TABLE = "marts.ml_lead_features"
LABEL = "label_scheduled_14d"
NO_SHOW_LABEL = "label_no_show"
LABEL_WINDOW_DAYS = 14

CATEGORICAL: tuple[str, ...] = ("source", "channel", "payer", "payer_tier", "diagnosis_group", "clinic_id")
NUMERIC: tuple[str, ...] = (
    "rate_per_visit",
    "expected_visits",
    "referrer_rate",
    "referrer_history",
    "source_rate",
    "landmark_hours",
    "log_hours_to_contact",
    "log_hours_since_contact",
)
DISTANCE = "distance_km"
FLAGS: tuple[str, ...] = (
    "post_op",
    "has_referrer",
    "contacted",
    "verified",
    "has_phone",
    "has_email",
    "multi_channel",
    "coverage_inactive",
    "just_contacted",
)
FEATURES: tuple[str, ...] = (*CATEGORICAL, *NUMERIC, DISTANCE, *FLAGS)
# The no-show model sees the lead as it was when booked: no contact state, no landmark.
NO_SHOW_FEATURES: tuple[str, ...] = tuple(
    f
    for f in FEATURES
    if f
    not in (
        "landmark_hours",
        "log_hours_to_contact",
        "contacted",
        "verified",
        "multi_channel",
        "coverage_inactive",
        "just_contacted",
    )
)

CONTEXT: tuple[str, ...] = ("lead_id", "received_at", "as_of", "is_open", LABEL, "referring_npi")


def load_feature_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every lead of the newest as_of in the feature mart, oldest first (mart columns only)."""
    return con.sql(
        f"""
        select *
        from {FEATURE_TABLE}
        where as_of = (select max(as_of) from {FEATURE_TABLE})
        order by received_at, lead_id
        """
    ).pl()


def _col(frame: pl.DataFrame, name: str, dtype: pl.DataType, default: object = None) -> pl.Expr:
    return pl.col(name).cast(dtype) if name in frame.columns else pl.lit(default, dtype=dtype)


def history_rates(frame: pl.DataFrame, prior_strength: float) -> pl.DataFrame:
    """Referrer/source 14-day scheduling rates shrunk toward the overall matured rate."""
    leads = _col(frame, "referrer_prior_leads", pl.Float64, 0.0).fill_null(0.0)
    booked = _col(frame, "referrer_prior_scheduled", pl.Float64, 0.0).fill_null(0.0)
    s_leads = _col(frame, "source_prior_leads", pl.Float64, 0.0).fill_null(0.0)
    s_booked = _col(frame, "source_prior_scheduled", pl.Float64, 0.0).fill_null(0.0)
    # the overall rate a lead could have known: its source's counts cover every matured lead of that source
    overall = frame.select((s_booked.sum() / s_leads.sum()).fill_nan(0.5).fill_null(0.5)).item()
    k = prior_strength
    return frame.with_columns(
        referrer_rate=(booked + k * overall) / (leads + k),
        referrer_history=(leads + 1.0).log(),
        source_rate=(s_booked + k * overall) / (s_leads + k),
    )


def at_landmark(frame: pl.DataFrame, landmark_hours: pl.Expr | float) -> pl.DataFrame:
    """The lead's contact/verification state `landmark_hours` after receipt (never past the run's as_of)."""
    hours = landmark_hours if isinstance(landmark_hours, pl.Expr) else pl.lit(float(landmark_hours))
    cutoff = pl.col("received_at") + pl.duration(seconds=(hours * 3600).cast(pl.Int64))
    contact = _col(frame, "first_contact_at", pl.Datetime("us"))
    verified = _col(frame, "verified_at", pl.Datetime("us"))
    second = _col(frame, "second_intake_at", pl.Datetime("us"))
    inactive = _col(frame, "coverage_inactive_at", pl.Datetime("us"))
    contacted = (contact.is_not_null() & (contact <= cutoff)).fill_null(False)
    hours_to = (contact - pl.col("received_at")).dt.total_seconds() / 3600.0
    npi = _col(frame, "referring_npi", pl.Utf8)
    return frame.with_columns(
        landmark_hours=hours.cast(pl.Float64),
        contacted=contacted,
        log_hours_to_contact=pl.when(contacted).then(hours_to.clip(0.0, None).log1p()).otherwise(None),
        # reached long ago and still unbooked is a different lead from one reached just now
        log_hours_since_contact=pl.when(contacted)
        .then((hours.cast(pl.Float64) - hours_to).clip(0.0, None).log1p())
        .otherwise(0.0),
        verified=(verified.is_not_null() & (verified <= cutoff)).fill_null(False),
        multi_channel=(second.is_not_null() & (second <= cutoff)).fill_null(False),
        coverage_inactive=(inactive.is_not_null() & (inactive <= cutoff)).fill_null(False),
        has_referrer=(npi.is_not_null() & (npi.str.strip_chars() != "")).fill_null(False),
    ).with_columns(
        # the moment of first contact (reached, no time since): booking odds are highest right then,
        # and an additive model cannot get that state from contacted + hours since alone (out of
        # time it under-predicted these leads by ~0.02 on every seed; ECE 0.025-0.029 -> 0.012-0.023)
        just_contacted=(pl.col("contacted") & (pl.col("log_hours_since_contact") == 0.0)).fill_null(False),
    )


def scoring_landmark(frame: pl.DataFrame, landmarks: Sequence[float]) -> pl.Expr:
    """Largest landmark not beyond each lead's age at the run's as_of."""
    age_h = (pl.col("as_of") - pl.col("received_at")).dt.total_seconds() / 3600.0
    expr = pl.lit(float(min(landmarks)))
    for mark in sorted(landmarks):
        expr = pl.when(age_h >= mark).then(pl.lit(float(mark))).otherwise(expr)
    return expr


def contact_hours(frame: pl.DataFrame) -> pl.Expr:
    """Hours from receipt to first contact (null when not contacted by the run's as_of)."""
    contact = _col(frame, "first_contact_at", pl.Datetime("us"))
    hours = (contact - pl.col("received_at")).dt.total_seconds() / 3600.0
    return pl.when(contact <= pl.col("as_of")).then(hours.clip(0.0, None)).otherwise(None)


def scoring_rows(frame: pl.DataFrame, landmarks: Sequence[float], prior_strength: float) -> pl.DataFrame:
    """Open leads in the state they are in now: the landmark just passed, or the first contact if later.

    Both are states training rows hold (`training_rows`), so a freshly reached lead is scored with
    its contact speed rather than waiting for the next landmark.
    """
    open_leads = frame.filter(pl.col("is_open").fill_null(False))
    hours = pl.max_horizontal(scoring_landmark(open_leads, landmarks), contact_hours(open_leads))
    return at_landmark(history_rates(open_leads, prior_strength), hours)


def at_first_contact(frame: pl.DataFrame, fallback_hours: float) -> pl.DataFrame:
    """Each lead right after its first contact (`fallback_hours` after receipt if never reached),
    kept only while still unscheduled then: the state in which every driver of conversion is known."""
    hours = contact_hours(frame).fill_null(float(fallback_hours))
    rows = at_landmark(frame, hours)
    cutoff = pl.col("received_at") + pl.duration(seconds=(pl.col("landmark_hours") * 3600).cast(pl.Int64))
    scheduled = _col(rows, "scheduled_at", pl.Datetime("us"))
    return rows.filter(scheduled.is_null() | (scheduled > cutoff))


def settled(frame: pl.DataFrame, label_window_days: int = LABEL_WINDOW_DAYS) -> pl.DataFrame:
    """Leads whose 14-day outcome is settled as of the run, oldest first.

    The mart labels a lead 1 as soon as it schedules, so among the last 14 days only the positives
    carry a label; keeping those would inflate the newest (holdout) slice's conversion rate.
    """
    return frame.filter(settled_rows(label_window_days)).sort(["received_at", "lead_id"])


def settled_rows(label_window_days: int = LABEL_WINDOW_DAYS) -> pl.Expr:
    """settled()'s filter, for a caller that orders the rows itself."""
    done = pl.col("received_at") <= pl.col("as_of") - pl.duration(days=label_window_days)
    return pl.col(LABEL).is_not_null() & done


def recent_window(
    frame: pl.DataFrame, max_leads: int, label_window_days: int = LABEL_WINDOW_DAYS
) -> pl.DataFrame:
    """The newest `max_leads` settled leads and every lead received after the first of them (0: all).

    Training memory and time grow with history (4 landmark rows a lead, features as pandas columns: a
    million leads took 9.2 GB). The newest leads are also the ones most like today's; the out-of-time
    holdout is the newest slice either way."""
    done = settled(frame, label_window_days)
    if max_leads <= 0 or done.height <= max_leads:
        return frame
    start = done.get_column("received_at")[done.height - max_leads]
    return frame.filter(pl.col("received_at") >= start)


def training_rows(frame: pl.DataFrame, landmarks: Sequence[float], prior_strength: float) -> pl.DataFrame:
    """One row per settled lead and landmark (and at its first contact) while still unscheduled.

    These are exactly the states `scoring_rows` can put an open lead in."""
    leads = history_rates(settled(frame), prior_strength)
    parts = []
    for mark in sorted(landmarks):
        cutoff = pl.col("received_at") + pl.duration(seconds=int(mark * 3600))
        scheduled = _col(leads, "scheduled_at", pl.Datetime("us"))
        still_open = scheduled.is_null() | (scheduled > cutoff)
        parts.append(at_landmark(leads.filter(still_open), mark))
    # the moment of first contact: scoring meets it as soon as staff reach a lead
    reached = leads.filter(contact_hours(leads).is_not_null())
    parts.append(at_first_contact(reached, max(landmarks)))
    return pl.concat(parts, how="diagonal_relaxed").sort(["received_at", "lead_id", "landmark_hours"])


def no_show_rows(frame: pl.DataFrame, prior_strength: float) -> pl.DataFrame:
    """Leads whose first evaluation happened or was missed, at booking (landmark 0 state is irrelevant)."""
    booked = frame.filter(pl.col(NO_SHOW_LABEL).is_not_null()).sort(["received_at", "lead_id"])
    return at_landmark(history_rates(booked, prior_strength), 0.0)


def model_input(frame: pl.DataFrame, features: Sequence[str] = FEATURES) -> pd.DataFrame:
    """The fixed feature columns as pandas with stable dtypes: what the pipeline and signature see."""
    out = pd.DataFrame(index=range(frame.height))
    for name in features:
        present = name in frame.columns
        if name in CATEGORICAL:
            # to_numpy: the same str/None objects as to_list, in half the time (1M settled rows a day)
            values = frame.get_column(name).cast(pl.Utf8).to_numpy() if present else [None] * frame.height
            out[name] = pd.Series(values, dtype="object")
        elif name in FLAGS:
            column = frame.get_column(name).cast(pl.Float64).fill_null(0.0) if present else None
            out[name] = column.to_numpy() if column is not None else 0.0
        else:
            out[name] = frame.get_column(name).cast(pl.Float64).to_numpy() if present else np.nan
    return out


def labels(frame: pl.DataFrame, label: str = LABEL) -> np.ndarray:
    return frame.get_column(label).cast(pl.Int8).to_numpy()
