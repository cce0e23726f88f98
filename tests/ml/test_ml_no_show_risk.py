"""The no-show model is used: every lead whose first evaluation is booked and not yet held gets
p(no-show) in marts.no_show_risk at each scoring run; none without a no-show model."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import numpy as np
import polars as pl
import pytest
from ml_feature_fixture import AS_OF, synthetic_features

from ml.no_show_risk import RISK_TABLE
from ml.score import score_open_leads
from ml.train import train

pytestmark = pytest.mark.slow


def _with_bookings(n: int, seed: int = 5) -> pl.DataFrame:
    """Synthetic leads plus bookings: converted leads booked 2 days after receipt; the evaluation's
    outcome known (far patients miss more often) unless it is still ahead (received in the last 9 days)."""
    rng = np.random.default_rng(seed)
    frame = synthetic_features(n, seed=seed)
    booked = frame.get_column("label_scheduled_14d").fill_null(0).to_numpy() == 1
    recent = (AS_OF - frame.get_column("received_at")).dt.total_days().to_numpy() < 9
    booked |= recent & (rng.random(frame.height) < 0.5)
    distance = frame.get_column("distance_km").fill_null(10.0).to_numpy()
    missed = (rng.random(frame.height) < np.clip(0.05 + distance / 60, 0, 0.9)).astype(int)
    return frame.with_columns(
        scheduled_at=pl.when(pl.Series(booked)).then(pl.col("received_at") + timedelta(days=2)),
        label_no_show=pl.when(pl.Series(booked & ~recent)).then(pl.Series(missed)),
    )


def _write(path, frame: pl.DataFrame) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.register("features_in", frame)
        con.execute(
            "create or replace table marts.ml_lead_features as "
            "select * replace (label_no_show::integer as label_no_show) from features_in"
        )


def test_booked_evaluations_get_a_no_show_probability(make_settings) -> None:
    settings = make_settings()
    frame = _with_bookings(1500)
    _write(settings.warehouse, frame)
    with duckdb.connect(str(settings.warehouse)) as con:
        report = train(con, settings)
        assert report.no_show_version is not None
        score_open_leads(con, settings)
        risk = con.sql(f"select * from {RISK_TABLE}").pl()
    upcoming = frame.filter(pl.col("scheduled_at").is_not_null() & pl.col("label_no_show").is_null())
    assert upcoming.height > 0
    assert set(risk.get_column("lead_id")) == set(upcoming.get_column("lead_id"))
    p = risk.get_column("p_no_show").to_numpy()
    assert ((p > 0) & (p < 1)).all() and p.std() > 0
    assert set(risk.get_column("model_version")) == {report.no_show_version}
    assert set(risk.get_column("as_of")) == {AS_OF}


def test_without_a_no_show_model_the_table_is_empty(make_settings) -> None:
    settings = make_settings()
    _write(settings.warehouse, _with_bookings(300).with_columns(label_no_show=pl.lit(None, pl.Int32)))
    with duckdb.connect(str(settings.warehouse)) as con:
        score_open_leads(con, settings)
        assert con.execute(f"select count(*) from {RISK_TABLE}").fetchall() == [(0,)]
