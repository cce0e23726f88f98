"""Score every open lead and write `marts.lead_scores` for the run's as_of.

The champion model scores when one is registered; otherwise cold-start rules do (model_version
'rules'). expected_value = score x rate_per_visit x expected_visits: what a lead is worth to call now.
The priority tier and route (both stored) come from the triage rules in config/scoring.yaml (ml/rules.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import numpy as np
import polars as pl

from ml import registry
from ml.as_of_rows import replace_as_of_rows
from ml.compute_threads import single_threaded
from ml.drift import drift_by_month, write_drift
from ml.features import (
    FEATURE_TABLE,
    FEATURES,
    LABEL,
    NO_SHOW_LABEL,
    at_landmark,
    history_rates,
    model_input,
    scoring_rows,
    settled_rows,
)
from ml.model_pipeline import positive_probability, scores_and_contributions
from ml.no_show_risk import write_no_show_risk
from ml.reasons import FACTOR_FEATURES, N_REASONS
from ml.reasons_frame import top_reasons_frame
from ml.rules import value_share_above
from ml.scoring_config import ScoringConfig, load_scoring_config
from ml.settled_scores import settled_probabilities
from ml.triage_frame import rule_contributions_frame, rule_scores_frame, triage_frame
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
    model_version varchar,
    route varchar
);
-- route came after the first warehouses were built: add it where it is missing
alter table {SCORES_TABLE} add column if not exists route varchar
"""


def expected_values(frame: pl.DataFrame, scores: np.ndarray, config: ScoringConfig) -> np.ndarray:
    """p(convert) x payer rate x expected visits; a missing rate or size is valued like a typical episode."""
    d = config.defaults
    rate = frame.get_column("rate_per_visit").cast(pl.Float64).fill_null(d.rate_per_visit).to_numpy()
    visits = frame.get_column("expected_visits").cast(pl.Float64).fill_null(d.expected_visits).to_numpy()
    return np.asarray(scores, dtype=float) * rate * visits


def model_scores(
    model: object, frame: pl.DataFrame, cache: duckdb.DuckDBPyConnection | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Probabilities and per-factor margin contributions of each row (one array per factor); `cache`: the
    warehouse holding the last scoring's per-binned-row results (ml.tree_occlusion), same floats."""
    features = getattr(model, "ptleads_features_", None)
    x = model_input(frame, features) if features else model_input(frame)
    reference = getattr(model, "ptleads_reference_", None) or {}
    return scores_and_contributions(model, x, FACTOR_FEATURES, reference, cache)


def rules_scores(frame: pl.DataFrame, config: ScoringConfig) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    parts = rule_contributions_frame(frame, config.cold_start)
    return rule_scores_frame(parts, config.cold_start), parts


@dataclass(frozen=True)
class ScoredLeads:
    """Column-aligned results of scoring one frame of open leads."""

    scores: np.ndarray
    values: np.ndarray
    # polars columns, not Python lists: 100k lists of phrases cost seconds to build and to convert back
    tiers: pl.Series  # Utf8
    routes: pl.Series  # Utf8
    reasons: pl.Series  # List(Utf8)


@single_threaded
def score_frame(
    leads: pl.DataFrame,
    model: object | None,
    config: ScoringConfig,
    cache: duckdb.DuckDBPyConnection | None = None,
) -> ScoredLeads:
    """Scores, expected values, tiers, routes and reasons (triage reason first, then the top factors).

    Vectorised end to end (no per-lead Python): 100k open leads score in seconds. `cache`: see model_scores.
    """
    if leads.height == 0:
        empty = pl.Series([], dtype=pl.Utf8)
        return ScoredLeads(np.zeros(0), np.zeros(0), empty, empty, pl.Series([], dtype=pl.List(pl.Utf8)))
    scores, parts = model_scores(model, leads, cache) if model is not None else rules_scores(leads, config)
    values = expected_values(leads, scores, config)
    triaged = triage_frame(leads, config, value_share_above(values))
    factors = top_reasons_frame(parts, leads)
    # the rule that set the tier explains the routing; the factors explain the order within it
    candidates = pl.DataFrame(
        {"first": triaged.get_column("first_reason")}
        | {f"f{k}": pl.Series(factors[:, k], dtype=pl.Utf8) for k in range(factors.shape[1])}
    )
    reasons = candidates.select(
        r=pl.concat_list(pl.all()).list.drop_nulls().list.unique(maintain_order=True).list.head(N_REASONS)
    ).get_column("r")
    return ScoredLeads(
        scores,
        values,
        triaged.get_column("priority_tier").cast(pl.Utf8),
        triaged.get_column("route").cast(pl.Utf8),
        reasons.cast(pl.List(pl.Utf8)),
    )


def newest_feature_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The feature mart's newest as_of (the rows load_feature_frame reads), None when it is empty."""
    return con.execute(f"select max(as_of) from {FEATURE_TABLE}").fetchall()[0][0]


def feature_rows(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime | None,
    where: str,
    *,
    oldest_first: bool = True,
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """load_feature_frame's rows (newest as_of; every mart column, or only `columns`) matching `where`,
    oldest first unless the caller sorts them itself (sorting ~1M settled rows twice is wasted at 1M)."""
    order = " order by received_at, lead_id" if oldest_first else ""
    select = ", ".join(f'"{c}"' for c in columns) if columns is not None else "*"
    return con.sql(
        f"select {select} from {FEATURE_TABLE} where as_of = ? and ({where}){order}", params=[as_of]
    ).pl()


# What the drift report reads of a settled lead beside the model's features: settled(), history_rates(),
# at_landmark() and drift_by_month(). At 1M leads it reads ~1M rows a day: the mart's other columns (person
# ids, booking fields, counts) are a third of those bytes and never used here.
_DRIFT_CONTEXT: tuple[str, ...] = (
    "lead_id",
    "received_at",
    "as_of",
    LABEL,
    "referrer_prior_leads",
    "referrer_prior_scheduled",
    "source_prior_leads",
    "source_prior_scheduled",
    "first_contact_at",
    "verified_at",
    "second_intake_at",
    "coverage_inactive_at",
    "referring_npi",
)


def _drift_columns(con: duckdb.DuckDBPyConnection, model: object | None) -> list[str]:
    """The mart columns the drift pass can use: its context, every feature (the rules read some), and the
    model's own feature list; a name the mart lacks stays absent, as with `select *`."""
    wanted = {*_DRIFT_CONTEXT, *FEATURES, *(getattr(model, "ptleads_features_", None) or ())}
    present = [c[0] for c in con.execute(f"select * from {FEATURE_TABLE} limit 0").description]
    return [c for c in present if c in wanted]


def _booked_filter(con: duckdb.DuckDBPyConnection) -> str:
    """Rows no_show_risk.booked_rows keeps; none when the mart lacks booking columns (it keeps none then)."""
    columns = {c[0] for c in con.execute(f"select * from {FEATURE_TABLE} limit 0").description}
    if {"scheduled_at", NO_SHOW_LABEL} <= columns:
        return f"scheduled_at is not null and {NO_SHOW_LABEL} is null"
    return "false"


def _run_as_of(newest: datetime | None, settings: Settings) -> datetime:
    """The feature mart's as_of (same run), else the settings' as_of; naive UTC like the warehouse."""
    if newest is not None:
        return newest
    return settings.as_of.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class _ScoredWith:
    """What a scoring left for the drift refresh the pipeline runs after its call list (refresh_drift): the
    same model object and version, without loading the champion's files a second time."""

    store: str
    as_of: datetime
    version: str
    model: object | None


# Handed from score_open_leads(drift=False) to the next refresh_drift of the same store and as-of, once.
_scored_with: _ScoredWith | None = None


@single_threaded
def score_open_leads(con: duckdb.DuckDBPyConnection, settings: Settings, *, drift: bool = True) -> int:
    """Replace this as_of's rows of marts.lead_scores with one row per open lead; returns the row count.

    Cold start (no champion): rules alone rank, model_version 'rules'. Also refreshes marts.no_show_risk
    (booked evaluations, when a no-show model exists) and, unless `drift` is False, marts.ml_drift: the
    pipeline refreshes drift after its call list instead (refresh_drift; 1M-lead day: ~1.4 of this step's
    ~2.7 s, and nothing up to the call list reads it).
    """
    global _scored_with
    config = load_scoring_config(settings.config_dir)
    cfg = config.model
    # Each step reads only the rows it can keep (its own filter still applies): at 1M leads of history
    # the whole mart is ~1M rows, the open leads a few tens of thousands.
    newest = newest_feature_as_of(con)
    open_leads = feature_rows(con, newest, "is_open")
    leads = scoring_rows(open_leads, cfg.landmark_hours, cfg.history_prior_strength)
    as_of = _run_as_of(newest, settings)
    champion = registry.load_champion(settings)
    model, version = champion if champion is not None else (None, RULES_VERSION)
    scored = score_frame(leads, model, config, con)
    out = pl.DataFrame(
        {
            "lead_id": leads.get_column("lead_id").cast(pl.Utf8),
            "as_of": pl.Series([as_of] * leads.height, dtype=pl.Datetime("us")),
            "score": pl.Series(scored.scores, dtype=pl.Float64),
            "priority_tier": scored.tiers.alias("priority_tier"),
            "expected_value": pl.Series(scored.values, dtype=pl.Float64),
            "reasons": scored.reasons.alias("reasons"),
            "model_version": pl.Series([version] * leads.height, dtype=pl.Utf8),
            "route": scored.routes.alias("route"),
        }
    )
    write_scores(con, out, as_of)
    booked = feature_rows(con, newest, _booked_filter(con))
    write_no_show_risk(con, settings, booked, cfg.history_prior_strength, as_of, model_scores_only)
    if drift:
        _drift_as_of(con, newest, model, version, config, as_of)
        _scored_with = None
    else:
        _scored_with = _ScoredWith(str(registry.store_path(settings)), as_of, version, model)
    log.info("scored %d open leads as of %s with %s", out.height, as_of, version)
    return out.height


@single_threaded
def refresh_drift(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """marts.ml_drift for the feature mart's as-of, with the model the last score_open_leads(drift=False)
    of this store and as-of used (else the champion, loaded); returns the months written."""
    global _scored_with
    config = load_scoring_config(settings.config_dir)
    newest = newest_feature_as_of(con)
    as_of = _run_as_of(newest, settings)
    handed, _scored_with = _scored_with, None
    if handed is not None and (handed.store, handed.as_of) == (str(registry.store_path(settings)), as_of):
        model, version = handed.model, handed.version
    else:
        champion = registry.load_champion(settings)
        model, version = champion if champion is not None else (None, RULES_VERSION)
    return _drift_as_of(con, newest, model, version, config, as_of)


def _drift_as_of(
    con: duckdb.DuckDBPyConnection,
    newest: datetime | None,
    model: object | None,
    version: str,
    config: ScoringConfig,
    as_of: datetime,
) -> int:
    window = int(config.model.label_window_days)
    # the report sorts its inputs by (received_at, lead_id), unique per as_of: the read's order is free
    matured = feature_rows(
        con,
        newest,
        f"{LABEL} is not null and received_at <= as_of - to_days({window})",
        oldest_first=False,
        columns=_drift_columns(con, model),
    )
    return _refresh_drift(con, matured, model, version, config, as_of)


def _refresh_drift(
    con: duckdb.DuckDBPyConnection,
    matured: pl.DataFrame,
    model: object | None,
    version: str,
    config: ScoringConfig,
    as_of: datetime,
) -> int:
    # settled()'s rows, left in the read's order: every step below is row by row (history_rates' one
    # aggregate sums whole counts, exact in any order), so only the report's three inputs are put in
    # settled()'s order (received_at, lead_id), not the ~1M rows of every column (at 1M leads)
    done = matured.filter(settled_rows(config.model.label_window_days))
    if done.height == 0:
        write_drift(con, pl.DataFrame(), as_of, version)
        return 0
    at_receipt = at_landmark(history_rates(done, config.model.history_prior_strength), 0.0)
    if model is not None:
        scores = settled_probabilities(con, model, at_receipt)  # margins cached per model and binned row
    else:
        scores = rules_scores(at_receipt, config)[0]
    order = at_receipt.select(pl.arg_sort_by(["received_at", "lead_id"])).to_series()
    received = at_receipt.get_column("received_at").gather(order)
    y = at_receipt.get_column(LABEL).cast(pl.Int8).gather(order).to_numpy()
    scores = np.asarray(scores)[order.to_numpy()]
    months = drift_by_month(received, y, scores)
    write_drift(con, months, as_of, version)
    return months.height


def model_scores_only(model: object, frame: pl.DataFrame) -> np.ndarray:
    features = getattr(model, "ptleads_features_", None)
    x = model_input(frame, features) if features else model_input(frame)
    return positive_probability(model, x)


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
    replace_as_of_rows(
        con,
        SCORES_TABLE,
        scores,
        "lead_id, as_of, score, priority_tier, expected_value, reasons, model_version, route",
        f"lead_id, as_of, score, priority_tier, expected_value, {reasons}, model_version, route",
        as_of,
    )
