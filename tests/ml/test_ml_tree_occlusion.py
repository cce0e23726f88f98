"""The fast boosted path (ml.tree_occlusion) gives the scores and reasons the full re-prediction gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from ml_feature_fixture import synthetic_features

from ml import tree_occlusion
from ml.candidates import informative
from ml.features import FEATURES, LABEL, at_landmark, history_rates, model_input
from ml.model_pipeline import (
    build_boosted,
    build_logistic,
    calibrate_isotonic,
    contributions,
    inner_pipeline,
    positive_probability,
    reference_row,
    scores_and_contributions,
)
from ml.reasons import FACTOR_FEATURES
from ml.tree_occlusion import margin_and_contributions


def _rows(n: int, seed: int) -> pl.DataFrame:
    raw = synthetic_features(n, seed=seed)
    marks = pl.Series(np.random.default_rng(seed).choice([0.0, 4.0, 24.0, 72.0], size=n))
    return at_landmark(history_rates(raw, 20.0), pl.lit(marks))


@pytest.fixture(scope="module")
def boosted() -> tuple[object, list[str], dict[str, object]]:
    train = _rows(1500, seed=21).filter(pl.col(LABEL).is_not_null())
    features = informative(model_input(train, FEATURES))
    half = train.height // 2
    fit, cal = train.head(half), train.tail(train.height - half)
    trees = build_boosted(features, {"max_iter": 60}).fit(model_input(fit, features), fit.get_column(LABEL))
    model = calibrate_isotonic(trees, model_input(cal, features), cal.get_column(LABEL).to_numpy())
    return model, features, reference_row(model_input(train, features))


def _scoring_frame(features: list[str]) -> pd.DataFrame:
    x = model_input(_rows(800, seed=22), features)
    # what scoring meets and training never saw: a new payer and source, missing numbers
    x.loc[::7, "payer"] = "NEW_PAYER_NEVER_SEEN"
    x.loc[::11, "source"] = None
    x.loc[::5, "distance_km"] = np.nan
    x.loc[::13, "rate_per_visit"] = np.nan
    return x


def test_boosted_scores_bit_identical_and_contributions_equal_full_reprediction(boosted) -> None:
    model, features, reference = boosted
    x = _scoring_frame(features)
    scores, fast = scores_and_contributions(model, x, FACTOR_FEATURES, reference)
    assert np.array_equal(scores, model.predict_proba(x)[:, 1])  # not just close: the same floats
    full = contributions(model, x, FACTOR_FEATURES, reference)
    assert sorted(fast) == sorted(full)
    for factor in full:
        np.testing.assert_allclose(fast[factor], full[factor], rtol=0, atol=1e-9, err_msg=factor)
    assert any(np.abs(part).max() > 0.01 for part in fast.values())  # the comparison is not all zeros


def test_margin_equals_decision_function(boosted) -> None:
    model, features, _ = boosted
    x = _scoring_frame(features)
    pipeline = inner_pipeline(model)
    transform, trees = pipeline.steps[0][1], pipeline.steps[-1][1]
    xt = np.array(transform.transform(x), dtype=float)
    ref_t = np.asarray(transform.transform(x.head(1)), dtype=float)[0]
    margin, parts = margin_and_contributions(trees, xt, ref_t, {"all": list(range(xt.shape[1]))})
    assert np.array_equal(margin, pipeline.decision_function(x))
    # every column at the reference row's values: the contribution is the margin difference to it
    np.testing.assert_allclose(parts["all"], margin - margin[0], rtol=0, atol=1e-9)


def test_logistic_takes_the_general_path_unchanged() -> None:
    train = _rows(600, seed=23).filter(pl.col(LABEL).is_not_null())
    features = informative(model_input(train, FEATURES))
    x, y = model_input(train, features), train.get_column(LABEL).to_numpy()
    model = build_logistic(features).fit(x, y)
    reference = reference_row(x)
    scores, parts = scores_and_contributions(model, x, FACTOR_FEATURES, reference)
    assert np.array_equal(scores, model.predict_proba(x)[:, 1])
    full = contributions(model, x, FACTOR_FEATURES, reference)
    assert all(np.array_equal(parts[f], full[f]) for f in full)


def test_positive_probability_is_predict_proba(boosted) -> None:
    model, features, _ = boosted
    x = _scoring_frame(features)
    assert np.array_equal(positive_probability(model, x), model.predict_proba(x)[:, 1])
    bare = inner_pipeline(model)  # uncalibrated trees: sklearn's own path
    assert np.array_equal(positive_probability(bare, x), bare.predict_proba(x)[:, 1])


def test_halves_side_by_side_give_the_same_floats(boosted, monkeypatch) -> None:
    """A large frame is split in two halves scored on two threads: margins and contributions are the
    one-pass floats, bit for bit."""
    model, features, reference = boosted
    x = _scoring_frame(features)
    whole = scores_and_contributions(model, x, FACTOR_FEATURES, reference)
    margin = positive_probability(model, x)
    monkeypatch.setattr(tree_occlusion, "SPLIT_ROWS", 100)
    halves = scores_and_contributions(model, x, FACTOR_FEATURES, reference)
    assert np.array_equal(halves[0], whole[0])
    assert sorted(halves[1]) == sorted(whole[1])
    assert all(np.array_equal(halves[1][f], whole[1][f]) for f in whole[1])
    assert np.array_equal(positive_probability(model, x), margin)


def test_cached_contributions_are_the_same_floats_and_walk_only_new_rows(boosted, monkeypatch) -> None:
    """The daily scoring's cache (last call's binned rows): every call returns exactly what the uncached
    path returns; a call walks only binned rows the previous call did not hold; the cache keeps the last
    call's rows alone, and another reference (or model) never reads them."""
    import duckdb

    model, features, reference = boosted
    x = _scoring_frame(features)
    yesterday = x.iloc[:600].reset_index(drop=True)
    today = x.iloc[100:].reset_index(drop=True).copy()
    today.loc[::9, "distance_km"] = today.loc[::9, "distance_km"] + 30.0  # some leads' bins move
    con = duckdb.connect()
    walked: list[int] = []
    walk = tree_occlusion.margin_and_contributions

    def counting(final, xt, ref_t, factors):
        walked.append(len(xt))
        return walk(final, xt, ref_t, factors)

    for frame in (yesterday, today, today):
        expected_scores, expected = scores_and_contributions(model, frame, FACTOR_FEATURES, reference)
        monkeypatch.setattr(tree_occlusion, "margin_and_contributions", counting)
        scores, parts = scores_and_contributions(model, frame, FACTOR_FEATURES, reference, con)
        monkeypatch.setattr(tree_occlusion, "margin_and_contributions", walk)
        assert np.array_equal(scores, expected_scores)
        assert list(parts) == list(expected)
        for factor, values in expected.items():
            assert np.array_equal(parts[factor], values), factor  # bit-identical, not close
    assert walked[0] <= len(yesterday) and 0 < walked[1] < len(today) and len(walked) == 2  # a rerun: none
    held = con.execute(
        f"select count(*), count(distinct model_key) from {tree_occlusion.OPEN_CACHE}"
    ).fetchone()
    pipeline = inner_pipeline(model)
    final = pipeline.steps[-1][1]
    xt = np.array(pipeline.steps[0][1].transform(today), dtype=float)
    binned = final._bin_mapper.transform(final._preprocess_X(xt, reset=False))
    assert held == (len(np.unique(binned, axis=0)), 1)  # today's distinct rows, nothing older

    # another reference lead: other contributions, so none of these rows are read, and they are replaced
    assert "distance_km" in features
    other = {**reference, "distance_km": 1.0}
    expected_scores, expected = scores_and_contributions(model, today, FACTOR_FEATURES, other)
    scores, parts = scores_and_contributions(model, today, FACTOR_FEATURES, other, con)
    assert np.array_equal(scores, expected_scores)
    assert all(np.array_equal(parts[f], expected[f]) for f in expected)
    assert (
        con.execute(f"select count(distinct model_key) from {tree_occlusion.OPEN_CACHE}").fetchone()[0] == 1
    )
