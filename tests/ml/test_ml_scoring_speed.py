"""The scoring step's faster paths give the same rows (h97): the drift pass's matrix built from polars
(ml/settled_scores.py) equals drift's pandas path, the drift read's columns change nothing, and the
margin cache holds the same rows either way."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest
from ml_feature_fixture import synthetic_features, write_feature_mart

import ml.drift as drift
from ml import settled_scores, tree_occlusion
from ml.candidates import informative
from ml.compute_threads import single_threaded
from ml.features import (
    CATEGORICAL,
    FEATURES,
    LABEL,
    at_landmark,
    history_rates,
    model_input,
    settled,
    training_rows,
)
from ml.model_pipeline import build_boosted, calibrate_isotonic, inner_pipeline


@single_threaded
def _calibrated_boosted(settled_leads: pl.DataFrame, features: list[str] | None = None) -> object:
    rows = training_rows(settled_leads, (0.0, 24.0, 72.0), 10.0)
    features = features or informative(model_input(rows, FEATURES))
    half = rows.height // 2
    fit, cal = rows.head(half), rows.tail(rows.height - half)
    trees = build_boosted(features, {"max_iter": 20}, seed=0)
    trees.fit(model_input(fit, features), fit.get_column(LABEL))
    model = calibrate_isotonic(trees, model_input(cal, features), cal.get_column(LABEL).to_numpy())
    model.ptleads_features_ = features
    return model


def _at_receipt(frame: pl.DataFrame) -> pl.DataFrame:
    return at_landmark(history_rates(frame, 10.0), 0.0)


def _odd(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Nulls, values never seen in training and the imputer's own fill value in every categorical column."""
    rng = np.random.default_rng(seed)
    out = frame
    for name in [c for c in CATEGORICAL if c in frame.columns]:
        values = frame.get_column(name).cast(pl.Utf8).to_list()
        picked = rng.choice(len(values), 60, replace=False)
        for k, i in enumerate(picked):
            values[i] = None if k < 20 else ("never_seen_in_training" if k < 40 else "missing")
        out = out.with_columns(pl.Series(name, values, dtype=pl.Utf8))
    return out


@pytest.fixture(scope="module")
def settled_leads() -> pl.DataFrame:
    return settled(synthetic_features(900, seed=11))


@pytest.fixture(scope="module")
def model(settled_leads: pl.DataFrame) -> object:
    return _calibrated_boosted(settled_leads)


@pytest.mark.parametrize(
    "variant",
    ["plain", "odd", "all_null_channel", "no_payer_column", "one_row", "cast_categorical"],
)
@single_threaded
def test_polars_matrix_equals_drift_transformed(
    settled_leads: pl.DataFrame, model: object, variant: str
) -> None:
    frame = _at_receipt(settled_leads)
    if variant == "odd":
        frame = _odd(frame, 3)
    elif variant == "all_null_channel":
        frame = frame.with_columns(channel=pl.lit(None, dtype=pl.Utf8))
    elif variant == "no_payer_column":
        frame = frame.drop("payer")
    elif variant == "one_row":
        frame = frame.head(1)
    elif variant == "cast_categorical":
        frame = frame.with_columns(pl.col("source").cast(pl.Categorical))
    features = model.ptleads_features_  # type: ignore[attr-defined]
    transform = inner_pipeline(model).steps[0][1]
    expected = drift._transformed(transform, model_input(frame, features))
    got = settled_scores.transformed(transform, frame, model_input(frame.head(1), features))
    assert got is not None
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()  # bit for bit, NaNs included


@single_threaded
def test_settled_probabilities_and_cache_rows_equal_drift(settled_leads: pl.DataFrame, model: object) -> None:
    yesterday = _at_receipt(settled_leads.head(settled_leads.height - 50))
    today = _odd(_at_receipt(settled_leads), 5)
    old, new = duckdb.connect(), duckdb.connect()
    for frame in (yesterday, today, today):
        expected = drift.settled_probabilities(old, model, frame)
        got = settled_scores.settled_probabilities(new, model, frame)
        assert got.tobytes() == expected.tobytes()
    query = f"select model_key, binned, margin from {drift.MARGIN_CACHE} order by all"
    assert new.execute(query).fetchall() == old.execute(query).fetchall()


@single_threaded
def test_other_models_take_drifts_path(settled_leads: pl.DataFrame) -> None:
    rows = training_rows(settled_leads, (0.0, 24.0), 10.0)
    features = informative(model_input(rows, FEATURES))
    uncalibrated = build_boosted(features, {"max_iter": 5}, seed=0)
    uncalibrated.fit(model_input(rows, features), rows.get_column(LABEL))
    uncalibrated.ptleads_features_ = features
    frame = _at_receipt(settled_leads)
    con = duckdb.connect()
    expected = drift.settled_probabilities(con, uncalibrated, frame)
    assert settled_scores.settled_probabilities(con, uncalibrated, frame).tobytes() == expected.tobytes()


@pytest.mark.parametrize("with_model", [False, True])
@single_threaded
def test_drift_read_of_fewer_columns_writes_the_same_report(
    make_settings, settled_leads: pl.DataFrame, model: object, with_model: bool
) -> None:
    from ml import score
    from ml.scoring_config import load_scoring_config

    settings = make_settings()
    write_feature_mart(settings.warehouse, synthetic_features(900, seed=11))
    config = load_scoring_config(settings.config_dir)
    champion = model if with_model else None
    version = "7" if with_model else score.RULES_VERSION
    reports = []
    con = duckdb.connect(str(settings.warehouse))
    try:
        newest = score.newest_feature_as_of(con)
        where = f"{LABEL} is not null and received_at <= as_of - to_days(14)"
        columns = score._drift_columns(con, champion)
        assert "person_id" not in columns and len(columns) < len(
            score.feature_rows(con, newest, "false").columns
        )
        for read in (None, columns):
            matured = score.feature_rows(con, newest, where, oldest_first=False, columns=read)
            con.execute(f"drop table if exists {drift.MARGIN_CACHE}")
            score._refresh_drift(con, matured, champion, version, config, newest)
            reports.append(con.sql(f"select * from {drift.DRIFT_TABLE} order by month").fetchall())
    finally:
        con.close()
    assert reports[0] == reports[1] and len(reports[0]) > 0


@pytest.mark.parametrize("variant", ["plain", "odd"])
@single_threaded
def test_preprocessed_equals_the_models_own_preprocessing(
    settled_leads: pl.DataFrame, model: object, variant: str
) -> None:
    frame = _at_receipt(settled_leads)
    frame = _odd(frame, 9) if variant == "odd" else frame
    pipeline = inner_pipeline(model)
    transform, final = pipeline.steps[0][1], pipeline.steps[-1][1]
    features = model.ptleads_features_  # type: ignore[attr-defined]
    encoded = settled_scores._encode(transform, frame, model_input(frame.head(1), features))
    assert encoded is not None
    assert settled_scores._preprocessor_layout_is(
        final, encoded.cat_slice, encoded.xt.shape[1]
    )  # shortcut taken
    expected = final._preprocess_X(encoded.xt, reset=False)
    got = settled_scores.preprocessed(final, encoded)
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


def test_other_preprocessor_layouts_run_the_models_own(settled_leads: pl.DataFrame, model: object) -> None:
    final = inner_pipeline(model).steps[-1][1]
    width = len(final.is_categorical_)
    n_cats = int(final.is_categorical_.sum())
    assert settled_scores._preprocessor_layout_is(final, slice(0, n_cats), width)
    assert not settled_scores._preprocessor_layout_is(final, slice(0, n_cats - 1), width)
    assert not settled_scores._preprocessor_layout_is(object(), slice(0, n_cats), width)


def _report_as_settled_sorts(
    con: duckdb.DuckDBPyConnection, matured: pl.DataFrame, model: object | None, config: object
) -> list[tuple]:
    """The drift report computed as before h97: settled() (sorted) rows, then each step in that order."""
    from ml import score

    at_receipt = at_landmark(history_rates(settled(matured, 14), config.model.history_prior_strength), 0.0)
    if model is not None:
        scores = drift.settled_probabilities(con, model, at_receipt)
    else:
        scores = score.rules_scores(at_receipt, config)[0]
    y = at_receipt.get_column(LABEL).cast(pl.Int8).to_numpy()
    report = drift.drift_by_month(at_receipt.get_column("received_at"), y, scores)
    return [tuple(r) for r in report.rows()]


@pytest.mark.parametrize("with_model", [False, True])
@single_threaded
def test_drift_report_in_the_reads_order_equals_settled_order(
    make_settings, model: object, with_model: bool
) -> None:
    from ml import score
    from ml.scoring_config import load_scoring_config

    settings = make_settings()
    write_feature_mart(settings.warehouse, synthetic_features(900, seed=11))
    config = load_scoring_config(settings.config_dir)
    champion = model if with_model else None
    con = duckdb.connect(str(settings.warehouse))
    try:
        newest = score.newest_feature_as_of(con)
        matured = score.feature_rows(con, newest, f"{LABEL} is not null", oldest_first=False)
        shuffled = matured.sample(fraction=1.0, shuffle=True, seed=4)
        expected = _report_as_settled_sorts(duckdb.connect(), shuffled, champion, config)
        score._refresh_drift(con, shuffled, champion, "7", config, newest)
        got = con.sql(
            f"select month, leads, mean_score, p10_score, p90_score, observed_rate, calibration_error "
            f"from {drift.DRIFT_TABLE} order by month"
        ).fetchall()
    finally:
        con.close()
    assert len(expected) > 0 and got == expected


@single_threaded
def test_in_place_preprocessing_equals_the_models_own(settled_leads: pl.DataFrame, model: object) -> None:
    frame = _odd(_at_receipt(settled_leads), 13)
    pipeline = inner_pipeline(model)
    transform, final = pipeline.steps[0][1], pipeline.steps[-1][1]
    head = model_input(frame.head(1), model.ptleads_features_)  # type: ignore[attr-defined]
    encoded = settled_scores._encode(transform, frame, head)
    assert encoded is not None
    expected = final._preprocess_X(encoded.xt.copy(), reset=False)
    prepared = settled_scores.preprocessed(final, encoded, in_place=True)
    assert prepared is encoded.xt and prepared.tobytes() == expected.tobytes()


@pytest.mark.parametrize("split_rows", [10**9, 7])
@single_threaded
def test_binned_margins_equal_the_occlusion_walk(
    settled_leads: pl.DataFrame, model: object, split_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache's walk from binned rows gives drift's walker's floats, on one thread or in two halves."""
    monkeypatch.setattr(tree_occlusion, "SPLIT_ROWS", split_rows)
    frame = _odd(_at_receipt(settled_leads), 13)
    pipeline = inner_pipeline(model)
    transform, final = pipeline.steps[0][1], pipeline.steps[-1][1]
    xt = drift._transformed(transform, model_input(frame, model.ptleads_features_))  # type: ignore[attr-defined]
    expected, _ = tree_occlusion.margin_and_contributions(final, xt, None, {})
    binned = np.ascontiguousarray(final._bin_mapper.transform(final._preprocess_X(xt, reset=False)))
    got = settled_scores.binned_margins(final, binned)
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()
