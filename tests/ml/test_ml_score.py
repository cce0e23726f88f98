"""Scoring: one row per open lead, three plain-words reasons, rules at cold start, champion afterwards."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest
from ml_feature_fixture import AS_OF, beatable_gate_config, synthetic_features, write_feature_mart

from ml import registry
from ml.reasons import phrase, top_reasons
from ml.rules import rule_contributions, rule_score, triage, value_share_above
from ml.score import RULES_VERSION, refresh_drift, score_open_leads
from ml.scoring_config import load_scoring_config
from ml.train import train_if_needed


def _scores(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("select * from marts.lead_scores order by lead_id").pl()


def con_drift(settings) -> pl.DataFrame:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.sql("select * from marts.ml_drift").pl()
    finally:
        con.close()


def _open_leads(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.sql("select lead_id from marts.ml_lead_features where is_open").fetchall()}


def test_cold_start_scores_every_open_lead_with_rules(make_settings) -> None:
    settings = make_settings()
    write_feature_mart(settings.warehouse, synthetic_features(400))
    con = duckdb.connect(str(settings.warehouse))
    try:
        written = score_open_leads(con, settings)
        scores = _scores(con)
        open_ids = _open_leads(con)
    finally:
        con.close()
    assert written == len(open_ids) == scores.height > 0
    assert set(scores.get_column("lead_id")) == open_ids
    assert set(scores.get_column("model_version")) == {RULES_VERSION}
    assert all(len(r) == 3 for r in scores.get_column("reasons").to_list())
    assert set(scores.get_column("as_of")) == {AS_OF}
    assert set(scores.get_column("priority_tier")) <= {"high", "standard", "complex"}
    routes = dict(zip(scores.get_column("priority_tier"), scores.get_column("route"), strict=True))
    config = load_scoring_config()
    assert routes == {t: getattr(config.triage, t).route for t in routes}  # one route per tier
    drift = con_drift(settings)
    assert drift.height > 0 and set(drift.get_column("model_version")) == {RULES_VERSION}


def test_rescoring_the_same_as_of_replaces_rows(make_settings) -> None:
    settings = make_settings()
    write_feature_mart(settings.warehouse, synthetic_features(300))
    con = duckdb.connect(str(settings.warehouse))
    try:
        first = score_open_leads(con, settings)
        second = score_open_leads(con, settings)
        total = con.execute("select count(*) from marts.lead_scores").fetchone()[0]
    finally:
        con.close()
    assert first == second == total


@pytest.mark.slow
def test_champion_scores_with_model_reasons_and_expected_value(make_settings) -> None:
    settings = make_settings()
    settings = settings.with_overrides(config_dir=beatable_gate_config(settings.warehouse.parent))
    write_feature_mart(settings.warehouse, synthetic_features(1200, seed=21))
    con = duckdb.connect(str(settings.warehouse))
    try:
        version = train_if_needed(con, settings)
        score_open_leads(con, settings)
        joined = con.sql(
            """
            select s.*, f.rate_per_visit, f.expected_visits, f.post_op, f.payer_tier
            from marts.lead_scores s join marts.ml_lead_features f using (lead_id)
            """
        ).pl()
        open_ids = _open_leads(con)
    finally:
        con.close()
    assert version is not None
    assert set(joined.get_column("model_version")) == {version}
    assert set(joined.get_column("lead_id")) == open_ids
    assert joined.get_column("score").is_between(0.0, 1.0).all()
    assert all(len(r) == 3 for r in joined.get_column("reasons").to_list())
    priced = joined.drop_nulls(["rate_per_visit", "expected_visits"])
    expected = priced["score"] * priced["rate_per_visit"] * priced["expected_visits"]
    assert np.allclose(priced["expected_value"].to_numpy(), expected.to_numpy())
    # The planted signal shows through: post-op, high-tier leads outrank non-post-op, low-tier ones.
    best = joined.filter(pl.col("post_op") & (pl.col("payer_tier") == "high"))["score"].mean()
    worst = joined.filter(~pl.col("post_op") & (pl.col("payer_tier") == "low"))["score"].mean()
    assert best > worst + 0.2
    post_op_reasons = joined.filter(pl.col("post_op") & (pl.col("payer_tier") == "high"))["reasons"].to_list()
    assert sum("Post-surgical referral" in r for r in post_op_reasons) > 0.8 * len(post_op_reasons)


@pytest.mark.parametrize("trained", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_drift_refreshed_after_the_call_list_equals_drift_in_the_scoring_step(
    make_settings, monkeypatch: pytest.MonkeyPatch, trained: bool
) -> None:
    """The pipeline scores without drift and refreshes it after its call list (asset ml_drift): the same
    rows as scoring with drift, from the model the scoring used (handed over: the champion is not loaded
    again)."""
    settings = make_settings()
    if trained:
        settings = settings.with_overrides(config_dir=beatable_gate_config(settings.warehouse.parent))
    write_feature_mart(settings.warehouse, synthetic_features(1200 if trained else 400, seed=21))
    con = duckdb.connect(str(settings.warehouse))
    try:
        if trained:
            assert train_if_needed(con, settings) is not None
        score_open_leads(con, settings)
        together = con.execute("select * from marts.ml_drift order by all").fetchall()
        con.execute("delete from marts.ml_drift")
        score_open_leads(con, settings, drift=False)
        assert con.execute("select count(*) from marts.ml_drift").fetchone()[0] == 0

        def not_again(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("the champion was loaded again")

        monkeypatch.setattr(registry, "load_champion", not_again)
        months = refresh_drift(con, settings)
        apart = con.execute("select * from marts.ml_drift order by all").fetchall()
    finally:
        con.close()
    assert apart == together and len(apart) == months > 0
    assert {row[1] for row in apart} == ({RULES_VERSION} if not trained else {row[1] for row in together})
    assert trained == (RULES_VERSION not in {row[1] for row in apart})


def test_rules_favour_post_op_good_payer_and_short_distance() -> None:
    base = {"post_op": False, "payer": "TX_MEDICAID", "payer_tier": "low", "distance_km": 40.0}
    better = {**base, "post_op": True}
    best = {**better, "payer": "BCBSTX", "payer_tier": "high", "distance_km": 3.0}
    scores = [rule_score(rule_contributions(r)) for r in (base, better, best)]
    assert scores[0] < scores[1] < scores[2]
    reasons = top_reasons(rule_contributions(best), best)
    assert reasons == [
        "Post-surgical referral",
        "High-reimbursement payer (BCBSTX)",
        "3 km from nearest clinic",
    ]


def test_reasons_are_plain_words() -> None:
    row = {"payer": "BCBSTX", "payer_tier": "high", "distance_km": 24.2, "post_op": True}
    assert phrase("payer", row) == "High-reimbursement payer (BCBSTX)"
    assert phrase("distance", row) == "24 km from nearest clinic"
    assert phrase("payer", {"payer": None}) == "No insurance on file"
    assert phrase("distance", {"distance_km": float("nan")}) == "Distance to clinic unknown"


def test_triage_routes_complex_before_high_and_says_why() -> None:
    config = load_scoring_config()
    plain = {"post_op": False, "payer": "CIGNA", "payer_tier": "standard", "diagnosis_group": "knee"}
    assert triage(plain, config).tier == "standard"
    assert triage(plain, config).route == "standard_queue"
    post_op = triage({**plain, "post_op": True}, config)
    assert (post_op.tier, post_op.route, post_op.fired) == (
        "high",
        "senior_staff",
        ("Post-surgical referral",),
    )
    # a post-op neuro case is complex first: a therapist reviews it before senior staff book it
    neuro = triage({**plain, "post_op": True, "diagnosis_group": "neuro"}, config)
    assert (neuro.tier, neuro.route) == ("complex", "therapist_review")
    assert triage({**plain, "payer": "WORKCOMP"}, config).tier == "complex"
    assert triage({**plain, "payer_tier": None}, config).tier == "complex"  # unrecognised insurance
    assert triage(plain, config, value_share_above=0.05).fired == ("Top 15% expected value",)


def test_value_share_ranks_expected_values() -> None:
    share = value_share_above(np.array([10.0, 500.0, 50.0, 50.0]))
    assert list(share) == [0.75, 0.0, 0.25, 0.25]  # ties share the better rank
    assert value_share_above(np.array([])).size == 0


def test_a_legacy_varchar_reasons_column_gets_readable_text(make_settings) -> None:
    settings = make_settings()
    write_feature_mart(settings.warehouse, synthetic_features(200))
    con = duckdb.connect(str(settings.warehouse))
    try:
        con.execute(
            """create table marts.lead_scores (lead_id varchar, as_of timestamp, score double,
               priority_tier varchar, expected_value double, reasons varchar, model_version varchar)"""
        )
        written = score_open_leads(con, settings)
        rows = con.execute("select reasons, route from marts.lead_scores").fetchall()
    finally:
        con.close()
    assert len(rows) == written > 0
    assert all(r.count("; ") == 2 and "[" not in r for r, _route in rows)
    # the older table gains the route column rather than losing it
    assert all(route in {"senior_staff", "standard_queue", "therapist_review"} for _r, route in rows)
