"""Plain-words reasons for a whole frame at once: the vectorised twin of `ml.reasons`.

Scoring 100k open leads must take seconds, so phrases are polars expressions over columns and the
top factors per lead one numpy argsort; `ml.reasons.phrase`/`top_reasons` stay the one-row reference
(tests hold the two equal).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from ml.reasons import _TIER_WORDS, FACTOR_ORDER, N_REASONS


def _col(frame: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    return pl.col(name).cast(dtype, strict=False) if name in frame.columns else pl.lit(None, dtype=dtype)


def _present_text(expr: pl.Expr) -> pl.Expr:
    return expr.is_not_null() & (expr.str.strip_chars() != "")


def _present_number(expr: pl.Expr) -> pl.Expr:
    return expr.is_not_null() & expr.is_not_nan()


def _flag(frame: pl.DataFrame, name: str) -> pl.Expr:
    return _col(frame, name, pl.Boolean).fill_null(False)


def _round_text(expr: pl.Expr) -> pl.Expr:
    # half-to-even like Python's round(), so both paths print the same number
    return expr.round(0, mode="half_to_even").cast(pl.Int64).cast(pl.Utf8)


def phrase_exprs(frame: pl.DataFrame) -> dict[str, pl.Expr]:
    """Per factor, an expression giving every row's phrase (same words as `ml.reasons.phrase`)."""
    payer, tier = _col(frame, "payer", pl.Utf8), _col(frame, "payer_tier", pl.Utf8)
    tier_word = tier.str.to_lowercase().replace_strict(_TIER_WORDS, default="Unknown", return_dtype=pl.Utf8)
    km = _col(frame, "distance_km", pl.Float64)
    hours_log = _col(frame, "log_hours_to_contact", pl.Float64)
    mark = _col(frame, "landmark_hours", pl.Float64)
    history, rate = _col(frame, "referrer_history", pl.Float64), _col(frame, "referrer_rate", pl.Float64)
    group, visits = _col(frame, "diagnosis_group", pl.Utf8), _col(frame, "expected_visits", pl.Float64)
    source, channel = _col(frame, "source", pl.Utf8), _col(frame, "channel", pl.Utf8)
    hours = hours_log.exp() - 1.0
    label = group.str.replace_all("_", " ")
    return {
        "post_op": pl.when(_flag(frame, "post_op"))
        .then(pl.lit("Post-surgical referral"))
        .otherwise(pl.lit("Not a post-surgical referral")),
        "payer": pl.when(_present_text(payer))
        .then(pl.format("{}-reimbursement payer ({})", tier_word.fill_null("Unknown"), payer))
        .otherwise(pl.lit("No insurance on file")),
        "distance": pl.when(_present_number(km))
        .then(pl.format("{} km from nearest clinic", _round_text(km)))
        .otherwise(pl.lit("Distance to clinic unknown")),
        "contact": pl.when(_flag(frame, "contacted") & _present_number(hours_log))
        .then(
            pl.when(hours < 1)
            .then(pl.lit("Reached within the hour"))
            .otherwise(pl.format("Reached after {} h", _round_text(hours)))
        )
        .when(_present_number(mark) & (mark != 0))
        .then(pl.format("Not reached in {} h", _round_text(mark)))
        .otherwise(pl.lit("Not contacted yet")),
        "referrer": pl.when(~_flag(frame, "has_referrer"))
        .then(pl.lit("No referring physician on file"))
        .when(_present_number(history) & (history > math.log(5)) & _present_number(rate))
        .then(pl.format("Referrer's past referrals booked {}%", _round_text(100 * rate)))
        .otherwise(pl.lit("Physician referral (NPI on file)")),
        "diagnosis": pl.when(~_present_text(group))
        .then(pl.lit("Diagnosis not yet coded"))
        .when(_present_number(visits))
        .then(pl.format("Diagnosis: {} (~{} visits)", label, visits.cast(pl.Int64).cast(pl.Utf8)))
        .otherwise(pl.format("Diagnosis: {}", label)),
        "source": pl.when(_present_text(channel) & (channel != source.fill_null("")))
        .then(pl.format("Came in via {} ({})", source.fill_null("None"), channel))
        .otherwise(pl.format("Came in via {}", source.fill_null("None"))),
        "verification": pl.when(_flag(frame, "coverage_inactive"))
        .then(pl.lit("Eligibility check: plan not active"))
        .when(_flag(frame, "verified"))
        .then(pl.lit("Insurance verified"))
        .otherwise(pl.lit("Insurance not yet verified")),
        "multi_channel": pl.when(_flag(frame, "multi_channel"))
        .then(pl.lit("Reached out through a second channel"))
        .otherwise(pl.lit("One channel so far")),
        "reachability": pl.when(_flag(frame, "has_phone"))
        .then(
            pl.when(_flag(frame, "has_email"))
            .then(pl.lit("Phone and email on file"))
            .otherwise(pl.lit("Phone on file"))
        )
        .otherwise(pl.lit("No phone number on file")),
        "clinic": pl.format("Clinic {}", _col(frame, "clinic_id", pl.Utf8).fill_null("None")),
    }


def top_reasons_frame(
    contributions: dict[str, np.ndarray], frame: pl.DataFrame, n: int = N_REASONS
) -> np.ndarray:
    """An (rows x n) array of phrases: the n factors raising each lead's score most, ties in factor order."""
    factors = [f for f in FACTOR_ORDER if f in contributions]
    factors += [f for f in contributions if f not in factors]
    if frame.height == 0 or not factors:
        return np.empty((frame.height, 0), dtype=object)
    matrix = np.column_stack([np.asarray(contributions[f], dtype=float) for f in factors])
    top = np.argsort(-matrix, axis=1, kind="stable")[:, :n]  # stable: equal contributions keep factor order
    exprs = phrase_exprs(frame)
    phrases = frame.select(**{f: exprs[f] for f in factors}).to_numpy().astype(object)
    return np.take_along_axis(phrases, top, axis=1)
