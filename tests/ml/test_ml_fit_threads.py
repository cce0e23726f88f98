"""The conversion trees on two OpenMP threads are the floats of one thread (h120): training may fit them
alone on both idle cores, and the result must not depend on it. Also the thread count's rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ml_feature_fixture import synthetic_features

from ml import candidates as candidates_module
from ml.candidates import CandidateSet, _alone_pays, _family_fits, fit_candidate_sets, time_split
from ml.compute_threads import FIT_THREADS_ENV, alone_threads, idle_cores, on_threads
from ml.features import FEATURES, LABEL, training_rows
from ml.model_pipeline import inner_pipeline
from ml.scoring_config import load_scoring_config


def _candidate_set(leads: int) -> CandidateSet:
    cfg = load_scoring_config().model
    rows = training_rows(synthetic_features(leads, seed=5), cfg.landmark_hours, cfg.history_prior_strength)
    return CandidateSet(time_split(rows, cfg.holdout_fraction, cfg.calibration_fraction), FEATURES, LABEL)


@pytest.fixture(scope="module")
def candidate_set() -> CandidateSet:
    big = _candidate_set(6000)
    # > 10,000 training rows: early stopping (its validation split and loss) is on, as in production
    assert big.split.train.height > 10_000
    return big


def _tree_nodes(model: object) -> list[np.ndarray]:
    final = inner_pipeline(model).steps[-1][1]
    return [predictor.nodes for iteration in final._predictors for predictor in iteration]


@pytest.mark.slow
def test_trees_on_two_threads_are_the_floats_of_one(candidate_set: CandidateSet) -> None:
    _cost, boosted = _family_fits(candidate_set)[-1]
    one, two = on_threads(boosted, 1), on_threads(boosted, 2)
    assert np.array_equal(one.holdout_scores, two.holdout_scores)
    assert one.metrics == two.metrics
    nodes_one, nodes_two = _tree_nodes(one.model), _tree_nodes(two.model)
    assert len(nodes_one) == len(nodes_two) > 1
    assert all(np.array_equal(a, b) for a, b in zip(nodes_one, nodes_two, strict=True))


@pytest.mark.slow
def test_the_longest_fit_alone_gives_what_side_by_side_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    candidate_set = _candidate_set(1500)
    monkeypatch.setenv(FIT_THREADS_ENV, "1")  # all side by side, one thread each
    side = fit_candidate_sets([candidate_set])[0]
    monkeypatch.setattr(candidates_module, "ALONE_MIN_COST", 0.0)
    monkeypatch.setenv(FIT_THREADS_ENV, "2")  # the trees alone on two threads, then the logistic
    alone = fit_candidate_sets([candidate_set])[0]
    assert [c.family for c in alone] == [c.family for c in side] == ["logistic", "boosted_isotonic"]
    for a, b in zip(alone, side, strict=True):
        assert np.array_equal(a.holdout_scores, b.holdout_scores)
        assert a.metrics == b.metrics


def test_the_setting_fixes_the_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FIT_THREADS_ENV, "1")
    assert alone_threads() == 1
    monkeypatch.setenv(FIT_THREADS_ENV, "3")
    assert alone_threads() == 3


class _Stat:
    """/proc/stat's first line, one reading per call."""

    def __init__(self, *lines: str) -> None:
        self._lines = list(lines)

    def read_text(self) -> str:
        return self._lines.pop(0) + "\ncpu0 0 0 0 0 0 0 0 0 0 0\n"


def test_idle_cores_come_from_the_sampled_jiffies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    # 200 jiffies over the sample (2 cores x 100): 150 idle (+ iowait) -> 1.5 cores idle
    before = "cpu  100 0 50 1000 10 0 0 0 0 0"
    after = "cpu  140 0 60 1140 20 0 0 0 0 0"
    assert idle_cores(0.0, _Stat(before, after)) == pytest.approx(1.5)  # type: ignore[arg-type]
    assert idle_cores(0.0, _Stat(before, before)) == 0.0  # type: ignore[arg-type]
    assert idle_cores(0.0, Path("/nonexistent/stat")) == 0.0


def test_the_big_fit_goes_alone_only_when_that_should_end_sooner() -> None:
    big = candidates_module.ALONE_MIN_COST * 2
    assert _alone_pays([big, big * 0.5, big * 0.1])
    assert not _alone_pays([big, big])  # two equal fits end sooner side by side
    assert not _alone_pays([candidates_module.ALONE_MIN_COST / 2, 1.0])  # small: not worth a sample
