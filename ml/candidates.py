"""Fit both model families on a time-ordered split and pick the better one on the holdout.

Leads (not landmark rows) are split by receipt time: oldest train, then a calibration slice, then the
newest holdout, so every row of one lead lands in one part and nothing from the future trains.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import polars as pl

from ml.compute_threads import alone_threads, on_threads, side_by_side, single_threaded
from ml.evaluate import holdout_metrics
from ml.features import labels, model_input
from ml.model_pipeline import (
    build_boosted,
    build_logistic,
    calibrate_isotonic,
    positive_probability,
    reference_row,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimeSplit:
    train: pl.DataFrame
    calibration: pl.DataFrame
    holdout: pl.DataFrame


@dataclass
class Candidate:
    family: str  # logistic | boosted_isotonic
    model: object
    metrics: dict[str, float] = field(default_factory=dict)
    holdout_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))


def time_split(rows: pl.DataFrame, holdout_fraction: float, calibration_fraction: float) -> TimeSplit:
    """Split by lead receipt time (ties by lead id) so a lead's landmark rows stay together."""
    leads = rows.select("lead_id", "received_at").unique("lead_id").sort(["received_at", "lead_id"])
    n = leads.height
    test_start = math.floor(n * (1 - holdout_fraction))
    cal_start = math.floor(n * (1 - holdout_fraction - calibration_fraction))
    ids = leads.get_column("lead_id")
    part = pl.DataFrame(
        {
            "lead_id": ids,
            "_part": ["train"] * cal_start + ["cal"] * (test_start - cal_start) + ["test"] * (n - test_start),
        }
    )
    tagged = rows.join(part, on="lead_id", how="left")
    pick = lambda name: tagged.filter(pl.col("_part") == name).drop("_part")  # noqa: E731
    return TimeSplit(pick("train"), pick("cal"), pick("test"))


def informative(x: pd.DataFrame) -> list[str]:
    """Columns with at least two distinct known values (e.g. contact times the warehouse lacks drop out)."""
    return [name for name in x.columns if x[name].dropna().nunique() > 1]


@dataclass(frozen=True)
class CandidateSet:
    """What one model's candidates are fitted on: a split, the feature columns and the label."""

    split: TimeSplit
    features: Sequence[str]
    label: str
    seed: int = 0


def fit_candidates(split: TimeSplit, features: Sequence[str], label: str, seed: int = 0) -> list[Candidate]:
    """Logistic on train+calibration (it is calibrated by construction); trees on train, isotonic on cal."""
    return fit_candidate_sets([CandidateSet(split, features, label, seed)])[0]


# a fit this big (cost units of _family_fits: rows, a tree row 4x) may run alone on idle cores: ~3 CPU-s
# of trees (the conversion trees weigh ~920k at 100k leads, ~7.3 CPU-s); small practices keep the fits
# side by side (the idle sample costs 0.25 s)
ALONE_MIN_COST = 400_000.0
# the trees' fit on two idle cores against one (h120, near-idle: 1.50 at 100k, 1.55-1.82 at 1M)
ALONE_SPEEDUP = 1.5


@single_threaded
def fit_candidate_sets(sets: Sequence[CandidateSet]) -> list[list[Candidate]]:
    """Per set, its candidates (logistic, then boosted_isotonic when both classes are in train and cal).

    Every family of every set is one independent fit. The longest (the conversion trees) runs alone on
    the idle cores when that should end sooner and the cores are idle (`alone_threads`: the thread
    count does not change its floats), then the others side by side on two threads, the longest first;
    else all side by side, each on one OpenMP/BLAS thread (the trees' Cython loops and the logistic's
    BLAS release the GIL). Every set's frames are built first, here: Python-heavy work beside the
    trees' fit slows it (its GIL-free loops wait for the interpreter lock on every return)."""
    fits: list[tuple[float, int, Callable[[], Candidate]]] = []
    for index, candidate_set in enumerate(sets):
        fits.extend((cost, index, fit) for cost, fit in _family_fits(candidate_set))
    order = sorted(range(len(fits)), key=lambda k: -fits[k][0])  # stable: ties keep set/family order
    done: dict[int, Candidate] = {}
    if order and _alone_pays([fits[k][0] for k in order]):
        threads = alone_threads()
        log.info("the longest fit on %d OpenMP thread(s)%s", threads, " alone" if threads > 1 else "")
        if threads > 1:
            done[order[0]] = on_threads(fits[order[0]][2], threads)
            order = order[1:]
    done |= dict(zip(order, side_by_side([fits[k][2] for k in order]), strict=True))
    out: list[list[Candidate]] = [[] for _ in sets]
    for k in range(len(fits)):
        out[fits[k][1]].append(done[k])
    return out


def _alone_pays(costs: Sequence[float]) -> bool:
    """Whether the longest fit (costs[0]) alone on two cores, then the rest side by side, should end
    sooner than all of them side by side, the longest first."""
    longest, rest = costs[0], sum(costs[1:])
    side = max(longest, (longest + rest) / 2)
    return longest >= ALONE_MIN_COST and longest / ALONE_SPEEDUP + rest / 2 < side


def _family_fits(candidate_set: CandidateSet) -> list[tuple[float, Callable[[], Candidate]]]:
    """(relative cost, fit) per family of one set; each fit returns its scored candidate."""
    split, label = candidate_set.split, candidate_set.label
    x_fit, x_cal = (
        model_input(split.train, candidate_set.features),
        model_input(split.calibration, candidate_set.features),
    )
    # train rows then calibration rows: the frame model_input gives for concat(train, calibration)
    x_both = pd.concat([x_fit, x_cal], ignore_index=True)
    features = informative(x_both)
    x_both, x_train, x_cal = x_both[features], x_fit[features], x_cal[features]
    y_train, y_cal = labels(split.train, label), labels(split.calibration, label)
    y_both = np.concatenate([y_train, y_cal])
    x_test, y_test = model_input(split.holdout, features), labels(split.holdout, label)
    reference = reference_row(x_both)

    def scored(family: str, model: object) -> Candidate:
        model.ptleads_reference_ = reference  # type: ignore[attr-defined]  # travels with the pickled model for reasons
        model.ptleads_features_ = list(features)  # type: ignore[attr-defined]
        # predict_proba's floats; a calibrated boosted model through the binned tree pass (tested the same)
        scores = positive_probability(model, x_test)
        return Candidate(family, model, holdout_metrics(y_test, scores), scores)

    def logistic() -> Candidate:
        return scored("logistic", build_logistic(features).fit(x_both, y_both))

    def boosted() -> Candidate:
        trees = build_boosted(features, seed=candidate_set.seed).fit(x_train, y_train)
        return scored("boosted_isotonic", calibrate_isotonic(trees, x_cal, y_cal))

    # per row, the trees on the train slice cost ~4x the logistic on train+calibration (h120, one thread:
    # 3.9x at 100k leads, 4.1x at 1M; the order of the fits changes no float)
    fits: list[tuple[float, Callable[[], Candidate]]] = [(float(len(x_both)), logistic)]
    if len(np.unique(y_cal)) == 2 and len(np.unique(y_train)) == 2:
        fits.append((4.0 * len(x_train), boosted))
    return fits


def better(a: Candidate, b: Candidate) -> Candidate:
    """Higher holdout AUC wins; Brier breaks near-ties (within 0.002) in favour of calibration."""
    auc_a, auc_b = a.metrics.get("auc", math.nan), b.metrics.get("auc", math.nan)
    if math.isnan(auc_b) or (not math.isnan(auc_a) and abs(auc_a - auc_b) > 0.002):
        return a if math.isnan(auc_b) or auc_a > auc_b else b
    return a if a.metrics["brier"] <= b.metrics["brier"] else b


def choose(candidates: list[Candidate]) -> Candidate:
    best = candidates[0]
    for cand in candidates[1:]:
        best = better(best, cand)
    return best
