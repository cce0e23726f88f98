"""Training's side work (h118): the gate's bar scored beside the conversion model's evaluation and the
challenger's holdout scores from its fit decide exactly what a gate scoring both registered models afresh
decides; the no-show model, registered meanwhile, is still registered and made champion."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import duckdb
import pytest
from ml_feature_fixture import AS_OF, beatable_gate_config
from test_ml_no_show_risk import _with_bookings, _write

from ml import registry
from ml.candidates import time_split
from ml.features import load_feature_frame, recent_window, training_rows
from ml.promotion import gate
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
