"""Score every open lead and write `marts.lead_scores` for the run's as_of.

The champion model scores when one is registered; otherwise cold-start rules do (model_version
'rules'). expected_value = score x rate_per_visit x expected_visits: what a lead is worth to call now.
The priority tier and route come from the triage rules in config/scoring.yaml (ml/rules.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import duckdb
import numpy as np
import polars as pl

from ml import registry
from ml.drift import drift_by_month, write_drift
from ml.features import (
    LABEL,
    at_landmark,
    history_rates,
    load_feature_frame,
    model_input,
    scoring_rows,
    settled,
)
from ml.model_pipeline import contributions
from ml.reasons import FACTOR_FEATURES, top_reasons
from ml.rules import rule_contributions, rule_score, triage, value_share_above
from ml.scoring_config import ScoringConfig, load_scoring_config
from orchestration.settings import Settings

SCORES_TABLE = "marts.lead_scores"
RULES_VERSION = "rules"

log = logging.getLogger(__name__)

_CREATE = f"""
create schema if not exists marts;
create table if not exists {SCORES_TABLE} (
    lead_id varchar,
    as_of timestamp,
    score double,
    priority_tier varchar,
    expected_value double,
    reasons varchar[],
    model_version varchar
)
"""


def expected_values(frame: pl.DataFrame, scores: np.ndarray, config: ScoringConfig) -> np.ndarray:
    """p(convert) x payer rate x expected visits; a missing rate or size is valued like a typical episode."""
    d = config.defaults
    rate = frame.get_column("rate_per_visit").cast(pl.Float64).fill_null(d.rate_per_visit).to_numpy()
    visits = frame.get_column("expected_visits").cast(pl.Float64).fill_null(d.expected_visits).to_numpy()
    return np.asarray(scores, dtype=float) * rate * visits


def model_scores(model: object, frame: pl.DataFrame) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Probabilities and per-factor margin contributions of each row."""
    features = getattr(model, "ptleads_features_", None)
    x = model_input(frame, features) if features else model_input(frame)
    scores = np.asarray(model.predict_proba(x)[:, 1], dtype=float)  # type: ignore[attr-defined]
    reference = getattr(model, "ptleads_reference_", None) or {}
    parts = contributions(model, x, FACTOR_FEATURES, reference)
    return scores, parts.to_dict(orient="records")


def rules_scores(frame: pl.DataFrame, config: ScoringConfig) -> tuple[np.ndarray, list[dict[str, float]]]:
    parts = [rule_contributions(row, config.cold_start) for row in frame.to_dicts()]
    return np.asarray([rule_score(p, config.cold_start) for p in parts], dtype=float), parts


def score_frame(
    leads: pl.DataFrame, model: object | None, config: ScoringConfig
) -> tuple[np.ndarray, np.ndarray, list[str], list[list[str]]]:
    """Scores, expected values, tiers and reasons (triage reasons first, then the top factors)."""
    if leads.height == 0:
        return np.zeros(0), np.zeros(0), [], []
    scores, parts = model_scores(model, leads) if model is not None else rules_scores(leads, config)
    values = expected_values(leads, scores, config)
    above = value_share_above(values)
    rows = leads.to_dicts()
    tiers, reasons = [], []
    for row, part, share in zip(rows, parts, above, strict=True):
        result = triage(row, config, float(share))
        factors = top_reasons(part, row)
        tiers.append(result.tier)
        # the rule that set the tier explains the routing; the factors explain the order within it
        reasons.append(list(dict.fromkeys([*result.fired[:1], *factors]))[:3])
    return scores, values, tiers, reasons


def _run_as_of(frame: pl.DataFrame, settings: Settings) -> datetime:
    """The feature mart's as_of (same run), else the settings' as_of; naive UTC like the warehouse."""
    if frame.height and frame.get_column("as_of").max() is not None:
        return frame.get_column("as_of").max()  # type: ignore[return-value]
    return settings.as_of.astimezone(UTC).replace(tzinfo=None)


def score_open_leads(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Replace this as_of's rows of marts.lead_scores with one row per open lead; returns the row count.

    Cold start (no champion): rules alone rank, model_version 'rules'. Also refreshes marts.ml_drift.
    """
    config = load_scoring_config(settings.config_dir)
    features = load_feature_frame(con)
    cfg = config.model
    leads = scoring_rows(features, cfg.landmark_hours, cfg.history_prior_strength)
    as_of = _run_as_of(features, settings)
    champion = registry.load_champion(settings)
    model, version = champion if champion is not None else (None, RULES_VERSION)
    scores, values, tiers, reasons = score_frame(leads, model, config)
    out = pl.DataFrame(
        {
            "lead_id": leads.get_column("lead_id").cast(pl.Utf8),
            "as_of": pl.Series([as_of] * leads.height, dtype=pl.Datetime("us")),
            "score": pl.Series(scores, dtype=pl.Float64),
            "priority_tier": pl.Series(tiers, dtype=pl.Utf8),
            "expected_value": pl.Series(values, dtype=pl.Float64),
            "reasons": pl.Series(reasons, dtype=pl.List(pl.Utf8)),
            "model_version": pl.Series([version] * leads.height, dtype=pl.Utf8),
        }
    )
    write_scores(con, out, as_of)
    _refresh_drift(con, features, model, version, config, as_of)
    log.info("scored %d open leads as of %s with %s", out.height, as_of, version)
    return out.height


def _refresh_drift(
    con: duckdb.DuckDBPyConnection,
    features: pl.DataFrame,
    model: object | None,
    version: str,
    config: ScoringConfig,
    as_of: datetime,
) -> None:
    done = settled(features, config.model.label_window_days)
    if done.height == 0:
        write_drift(con, pl.DataFrame(), as_of, version)
        return
    at_receipt = at_landmark(history_rates(done, config.model.history_prior_strength), 0.0)
    if model is not None:
        scores = model_scores_only(model, at_receipt)
    else:
        scores = rules_scores(at_receipt, config)[0]
    y = at_receipt.get_column(LABEL).cast(pl.Int8).to_numpy()
    write_drift(con, drift_by_month(at_receipt.get_column("received_at"), y, scores), as_of, version)


def model_scores_only(model: object, frame: pl.DataFrame) -> np.ndarray:
    features = getattr(model, "ptleads_features_", None)
    x = model_input(frame, features) if features else model_input(frame)
    return np.asarray(model.predict_proba(x)[:, 1], dtype=float)  # type: ignore[attr-defined]


def _reasons_column_is_list(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        """
        select data_type from information_schema.columns
        where table_schema = 'marts' and table_name = 'lead_scores' and column_name = 'reasons'
        """
    ).fetchall()  # fetchall: DuckDB 2 keeps a half-read result open after fetchone()
    return not rows or str(rows[0][0]).endswith("[]")


def write_scores(con: duckdb.DuckDBPyConnection, scores: pl.DataFrame, as_of: datetime) -> None:
    """Idempotent per as_of: delete then insert inside one transaction."""
    con.execute(_CREATE)
    # A table created elsewhere with a plain VARCHAR reasons column gets '; '-joined text, not a list repr.
    reasons = "reasons" if _reasons_column_is_list(con) else "array_to_string(reasons, '; ')"
    if reasons != "reasons":
        log.warning("%s.reasons is not varchar[]; writing joined text", SCORES_TABLE)
    con.register("_ptleads_new_scores", scores)
    try:
        con.execute("begin transaction")
        con.execute(f"delete from {SCORES_TABLE} where as_of = ?", [as_of])
        con.execute(
            f"""
            insert into {SCORES_TABLE}
            select lead_id, as_of, score, priority_tier, expected_value, {reasons}, model_version
            from _ptleads_new_scores
            """
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_ptleads_new_scores")
