"""The drift report's margin cache (ml/drift.py): the same floats as scoring every settled lead afresh, with
the trees walked only for binned rows not seen before with this model."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest
from ml_feature_fixture import synthetic_features

import ml.drift as drift
from ml.candidates import informative
from ml.compute_threads import single_threaded
from ml.features import FEATURES, LABEL, at_landmark, history_rates, model_input, settled, training_rows
from ml.model_pipeline import build_boosted, calibrate_isotonic, positive_probability


@single_threaded
def _calibrated_boosted(settled_leads: pl.DataFrame, seed: int) -> object:
    rows = training_rows(settled_leads, (0.0, 24.0, 72.0), 10.0)
    features = informative(model_input(rows, FEATURES))
    half = rows.height // 2
    fit, cal = rows.head(half), rows.tail(rows.height - half)
    trees = build_boosted(features, {"max_iter": 30}, seed=seed)
    trees.fit(model_input(fit, features), fit.get_column(LABEL))
    model = calibrate_isotonic(trees, model_input(cal, features), cal.get_column(LABEL).to_numpy())
    model.ptleads_features_ = features  # as ml.train tags it: scoring builds the same columns
    return model


def _at_receipt(frame: pl.DataFrame) -> pl.DataFrame:
    return at_landmark(history_rates(frame, 10.0), 0.0)


@single_threaded
def test_cached_drift_scores_equal_a_fresh_pass_and_skip_seen_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    done = settled(synthetic_features(900, seed=5))
    model = _calibrated_boosted(done, seed=0)
    yesterday = _at_receipt(done.head(done.height - 40))
    today = _at_receipt(done)  # 40 more settled leads: every lead's shrunk rates move a little
    frames = (yesterday, today, today)
    fresh = [positive_probability(model, model_input(f, model.ptleads_features_)) for f in frames]
    con = duckdb.connect()
    walked: list[int] = []
    walk = drift.tree_occlusion.margin_and_contributions

    def counting(final, xt, ref_t, factors):
        walked.append(len(xt))
        return walk(final, xt, ref_t, factors)

    monkeypatch.setattr(drift.tree_occlusion, "margin_and_contributions", counting)
    for frame, expected in zip(frames, fresh, strict=True):
        assert np.array_equal(drift.settled_probabilities(con, model, frame), expected)  # bit-identical
    # day 1 walks its distinct binned rows; day 2 only rows whose bins moved (or new); a rerun none
    assert walked[0] <= yesterday.height and walked[1] < today.height and len(walked) == 2
    held = con.execute(f"select count(*), count(distinct model_key) from {drift.MARGIN_CACHE}").fetchone()
    assert held == (walked[0] + walked[1], 1)

    # Another model never reads these margins, and its own replace them.
    other = _calibrated_boosted(done, seed=1)
    monkeypatch.undo()
    expected = positive_probability(other, model_input(today, other.ptleads_features_))
    assert np.array_equal(drift.settled_probabilities(con, other, today), expected)
    assert con.execute(f"select count(distinct model_key) from {drift.MARGIN_CACHE}").fetchone()[0] == 1
