"""Training's side work (h118): the gate's bar scored while the trees fit and the challenger's holdout
scores from its fit decide exactly what a gate scoring both registered models afresh decides; the
no-show model, registered meanwhile, is still registered and made champion. The trees start once their
own frames are ready: which features are informative is read from the parts, not their concatenation."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from ml_feature_fixture import AS_OF, beatable_gate_config
from test_ml_no_show_risk import _with_bookings, _write

from ml import registry
from ml.candidates import informative, informative_in, time_split
from ml.features import load_feature_frame, recent_window, training_rows
from ml.promotion import GateBar, gate
from ml.scoring_config import load_scoring_config
from ml.train import train
from orchestration.settings import Settings


@pytest.mark.slow
def test_the_gate_of_training_is_a_fresh_gate(tmp_path: Path) -> None:
    settings = Settings(
        warehouse=tmp_path / "warehouse.duckdb",
        as_of=AS_OF.replace(tzinfo=UTC),
        config_dir=beatable_gate_config(tmp_path),
    )
    _write(settings.warehouse, _with_bookings(1500))  # leads with bookings: the no-show model trains too
    con = duckdb.connect(str(settings.warehouse))
    try:
        first = train(con, settings, force=True)
        second = train(con, settings, force=True)  # champion v1 is the bar
        frame = load_feature_frame(con)
    finally:
        con.close()
    assert first.no_show_version == "1" and second.no_show_version == "2"
    assert registry.alias_version(settings, registry.CHAMPION, registry.NO_SHOW_MODEL_NAME) == "2"
    cfg = load_scoring_config(settings.config_dir).model
    frame = recent_window(frame, cfg.max_training_leads, cfg.label_window_days)
    rows = training_rows(frame, cfg.landmark_hours, cfg.history_prior_strength)
    holdout = time_split(rows, cfg.holdout_fraction, cfg.calibration_fraction).holdout
    assert second.gate is not None and second.gate.champion == "1" and not second.gate.promoted
    # both registered models loaded and scored on the holdout: the same decision, the same numbers
    assert gate(settings, "2", holdout, cfg) == second.gate
    # a bar scored for another champion than the current one is not used
    stale = GateBar("7", {"auc": 0.0, "ece": 0.0})
    assert gate(settings, "2", holdout, cfg, bar=stale) == second.gate


def test_informative_of_parts_is_informative_of_their_concatenation() -> None:
    nan = float("nan")
    first = pd.DataFrame(
        {
            "one_value_each_differs": pd.Series(["a", "a"], dtype="object"),
            "one_value_both": pd.Series(["a", None], dtype="object"),
            "only_in_second": pd.Series([None, None], dtype="object"),
            "signed_zeros": [0.0, nan],
            "numbers": [1.0, 2.0],
            "all_missing": [nan, nan],
        }
    )
    second = pd.DataFrame(
        {
            "one_value_each_differs": pd.Series(["b", None], dtype="object"),
            "one_value_both": pd.Series(["a", "a"], dtype="object"),
            "only_in_second": pd.Series(["x", "y"], dtype="object"),
            "signed_zeros": [-0.0, -0.0],
            "numbers": [nan, 1.0],
            "all_missing": [nan, nan],
        }
    )
    expected = informative(pd.concat([first, second], ignore_index=True))
    assert expected == ["one_value_each_differs", "only_in_second", "numbers"]
    assert informative_in([first, second]) == expected
