"""The vectorised scoring path (whole frames) says exactly what the one-row reference functions say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from ml_feature_fixture import synthetic_features

from ml.features import at_landmark, history_rates
from ml.reasons import FACTOR_ORDER, phrase, top_reasons
from ml.reasons_frame import phrase_exprs, top_reasons_frame
from ml.rules import rule_contributions, rule_score, triage, value_share_above
from ml.scoring_config import load_scoring_config
from ml.triage_frame import rule_contributions_frame, rule_scores_frame, triage_frame


def _frame(n: int = 300, seed: int = 5) -> pl.DataFrame:
    raw = synthetic_features(n, seed=seed)
    rng = np.random.default_rng(seed)
    marks = pl.Series(rng.choice([0.0, 4.0, 24.0, 72.0], size=n))
    frame = at_landmark(history_rates(raw, 20.0), pl.lit(marks)).with_columns(
        multi_channel=pl.Series(rng.random(n) < 0.4),
        coverage_inactive=pl.Series(rng.random(n) < 0.1),
    )
    # edge cases the mart can hold: blank payer, unknown tier, workers' comp, neuro, several diagnoses
    return frame.with_columns(
        payer=pl.when(pl.int_range(pl.len()) % 17 == 0).then(pl.lit(" ")).otherwise(pl.col("payer")),
        payer_tier=pl.when(pl.int_range(pl.len()) % 13 == 0)
        .then(pl.lit("unknown"))
        .otherwise(pl.col("payer_tier")),
        diagnosis_group=pl.when(pl.int_range(pl.len()) % 11 == 0)
        .then(pl.lit("neuro"))
        .otherwise(pl.col("diagnosis_group")),
        n_diagnoses=pl.Series(rng.integers(1, 5, size=n)),
        referrer_history=pl.col("referrer_history") + pl.Series(rng.uniform(0, 3, size=n)),
        distance_km=pl.when(pl.int_range(pl.len()) % 9 == 0).then(24.5).otherwise(pl.col("distance_km")),
    )


def test_triage_frame_equals_row_triage() -> None:
    config = load_scoring_config()
    frame = _frame()
    share = value_share_above(np.random.default_rng(1).uniform(0, 2000, frame.height))
    got = triage_frame(frame, config, share)
    for row, s, (tier, route, first) in zip(frame.to_dicts(), share, got.iter_rows(), strict=True):
        want = triage(row, config, float(s))
        assert (tier, route, first) == (want.tier, want.route, want.fired[0] if want.fired else None)
    assert {"complex", "high", "standard"} <= set(got.get_column("priority_tier"))


def test_cold_start_frame_equals_row_rules() -> None:
    config = load_scoring_config()
    frame = _frame()
    parts = rule_contributions_frame(frame, config.cold_start)
    scores = rule_scores_frame(parts, config.cold_start)
    for i, row in enumerate(frame.to_dicts()):
        want = rule_contributions(row, config.cold_start)
        assert {k: float(v[i]) for k, v in parts.items()} == want
        assert scores[i] == rule_score(want, config.cold_start)


def test_phrases_frame_equal_row_phrases() -> None:
    frame = _frame()
    phrases = frame.select(**phrase_exprs(frame))
    for row, got in zip(frame.to_dicts(), phrases.to_dicts(), strict=True):
        for factor in FACTOR_ORDER:
            assert got[factor] == phrase(factor, row), factor


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from([-1.0, -0.2, 0.0, 0.3, 1.5]),
            min_size=len(FACTOR_ORDER),
            max_size=len(FACTOR_ORDER),
        ),
        min_size=1,
    )
)
def test_top_reasons_frame_equals_row_ranking(matrix: list[list[float]]) -> None:
    frame = _frame(len(matrix), seed=len(matrix))
    values = np.asarray(matrix)
    parts = {f: values[:, k] for k, f in enumerate(FACTOR_ORDER)}
    got = top_reasons_frame(parts, frame)
    for i, row in enumerate(frame.to_dicts()):
        want = top_reasons({f: float(values[i, k]) for k, f in enumerate(FACTOR_ORDER)}, row)
        assert list(got[i]) == want


def test_transform_once_occlusion_equals_raw_occlusion() -> None:
    from ml.candidates import informative
    from ml.features import FEATURES, LABEL, model_input
    from ml.model_pipeline import build_boosted, build_logistic, contributions, reference_row
    from ml.reasons import FACTOR_FEATURES

    frame = _frame(400, seed=9).filter(pl.col(LABEL).is_not_null())
    features = informative(model_input(frame, FEATURES))  # as training does: drop empty columns
    x, y = model_input(frame, features), frame.get_column(LABEL).to_numpy()
    reference = reference_row(x)
    for model in (build_logistic(features).fit(x, y), build_boosted(features, {"max_iter": 30}).fit(x, y)):
        fast = contributions(model, x, FACTOR_FEATURES, reference)
        base = model.decision_function(x)
        for factor, names in FACTOR_FEATURES.items():
            swapped = x.copy()
            for name in (n for n in names if n in x.columns):
                swapped[name] = pd.Series([reference[name]] * len(x), index=x.index, dtype=x[name].dtype)
            if factor in fast:
                assert np.allclose(fast[factor], base - model.decision_function(swapped)), factor
