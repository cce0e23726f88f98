"""Score every open lead and write `marts.lead_scores` for the run's as_of.

The champion model scores when one is registered; otherwise cold-start rules do (model_version
'rules'). expected_value = score x rate_per_visit x expected_visits: what a lead is worth to call now.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import duckdb
import numpy as np
import polars as pl

from ml import registry
from ml.features import load_feature_frame, model_input, open_rows
from ml.model_pipeline import contributions
from ml.reasons import group_by_factor, top_reasons
from ml.rules import rule_contributions, rule_score
from orchestration.settings import Settings

SCORES_TABLE = "marts.lead_scores"
RULES_VERSION = "rules"
# When the mart lacks a payer rate or diagnosis size, value the lead like a typical episode
# rather than as worthless (self-pay and uncoded referrals still convert).
DEFAULT_RATE_PER_VISIT = 90.0
DEFAULT_EXPECTED_VISITS = 8
# Share of leads (by expected value) in each priority tier; the rest are "low".
TIER_SHARES: tuple[tuple[str, float], ...] = (("high", 0.2), ("standard", 0.5))

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


def priority_tiers(expected_values: np.ndarray) -> list[str]:
    """high / standard / low (dbt's accepted values) by expected-value rank; ties share the better tier."""
    values = np.asarray(expected_values, dtype=float)
    n = values.size
    if n == 0:
        return []
    # fraction of leads with a strictly higher value: the lead's position in the call list
    order = np.sort(values)[::-1]
    above = np.searchsorted(-order, -values, side="left") / n
    tiers = []
    for share_above in above:
        tier = "low"
        for name, cutoff in TIER_SHARES:
            if share_above < cutoff:
                tier = name
                break
        tiers.append(tier)
    return tiers


def expected_values(frame: pl.DataFrame, scores: np.ndarray) -> np.ndarray:
    rate = frame.get_column("rate_per_visit").cast(pl.Float64).fill_null(DEFAULT_RATE_PER_VISIT).to_numpy()
    visits = (
        frame.get_column("expected_visits").cast(pl.Float64).fill_null(DEFAULT_EXPECTED_VISITS).to_numpy()
    )
    return np.asarray(scores, dtype=float) * rate * visits


def _score_with_model(model: object, frame: pl.DataFrame) -> tuple[np.ndarray, list[list[str]]]:
    x = model_input(frame)
    scores = np.asarray(model.predict_proba(x)[:, 1], dtype=float)  # type: ignore[attr-defined]
    parts = contributions(model, x)  # type: ignore[arg-type]
    rows = frame.to_dicts()
    reasons = [top_reasons(group_by_factor(parts.iloc[i].to_dict()), rows[i]) for i in range(len(rows))]
    return scores, reasons


def _score_with_rules(frame: pl.DataFrame) -> tuple[np.ndarray, list[list[str]]]:
    scores, reasons = [], []
    for row in frame.to_dicts():
        parts = rule_contributions(row)
        scores.append(rule_score(parts))
        reasons.append(top_reasons(parts, row))
    return np.asarray(scores, dtype=float), reasons


def _run_as_of(frame: pl.DataFrame, settings: Settings) -> datetime:
    """The feature mart's as_of (same run), else the settings' as_of; naive UTC like the warehouse."""
    if frame.height and frame.get_column("as_of").max() is not None:
        return frame.get_column("as_of").max()  # type: ignore[return-value]
    return settings.as_of.astimezone(UTC).replace(tzinfo=None)


def score_open_leads(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Replace this as_of's rows of marts.lead_scores with one row per open lead; returns the row count."""
    features = load_feature_frame(con)
    leads = open_rows(features)
    as_of = _run_as_of(features, settings)
    champion = registry.load_champion(settings)
    if champion is not None:
        model, version = champion
        scores, reasons = _score_with_model(model, leads) if leads.height else (np.zeros(0), [])
    else:
        version = RULES_VERSION
        scores, reasons = _score_with_rules(leads)
    values = expected_values(leads, scores)
    out = pl.DataFrame(
        {
            "lead_id": leads.get_column("lead_id").cast(pl.Utf8),
            "as_of": pl.Series([as_of] * leads.height, dtype=pl.Datetime("us")),
            "score": pl.Series(scores, dtype=pl.Float64),
            "priority_tier": pl.Series(priority_tiers(values), dtype=pl.Utf8),
            "expected_value": pl.Series(values, dtype=pl.Float64),
            "reasons": pl.Series(reasons, dtype=pl.List(pl.Utf8)),
            "model_version": pl.Series([version] * leads.height, dtype=pl.Utf8),
        }
    )
    write_scores(con, out, as_of)
    log.info("scored %d open leads as of %s with %s", out.height, as_of, version)
    return out.height


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
