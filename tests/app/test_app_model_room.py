"""Models page buttons under AppTest with a tiny MLflow store in tmp: retrain (confirmation first) trains
with ml/train.py on the published snapshot's feature mart, compare scores champion and challenger on one
holdout, promotion goes only through ml/promotion.gate; retrain and promote are audited."""

from __future__ import annotations

import importlib.util
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import numpy as np
import polars as pl
import pytest
import yaml
from app_snapshot_fixture import REPO
from conftest import open_page
from streamlit.testing.v1 import AppTest

from app.lib import audit
from ml import registry
from ml.promotion import rollback
from orchestration.settings import Settings

TRAIN_TIMEOUT_S = 300  # two model families + MLflow logging; minutes on a loaded 2-core machine
N_LEADS = 600  # >= min_labelled_leads settled leads, small enough to train in seconds


def _ml_fixture() -> ModuleType:
    """tests/ml's synthetic feature mart (known signal), loaded by path: test folders are not packages."""
    spec = importlib.util.spec_from_file_location(
        "app_ml_feature_fixture", REPO / "tests/ml/ml_feature_fixture.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _publish_features(snapshot: Path, shuffled: bool) -> None:
    """Put a feature mart into the snapshot (labels shuffled = a model with no signal) and re-publish."""
    ml = _ml_fixture()
    frame = ml.synthetic_features(N_LEADS)
    if shuffled:
        labels = frame["label_scheduled_14d"].to_numpy()
        known = ~np.isnan(labels.astype(float))
        labels[known] = np.random.default_rng(5).permutation(labels[known])
        frame = frame.with_columns(pl.Series("label_scheduled_14d", labels, nan_to_null=True).cast(pl.Int64))
    ml.write_feature_mart(snapshot, frame)
    meta_file = snapshot.with_name("snapshot.json")
    meta = json.loads(meta_file.read_text())
    meta["published_at"] = datetime.now(UTC).isoformat()  # a new publish, as the pipeline would do
    meta_file.write_text(json.dumps(meta))


@pytest.fixture
def gate_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped config, with a calibration bar the tiny holdout can meet, so AUC decides the gate."""
    folder = tmp_path / "config"
    shutil.copytree(REPO / "config", folder)
    scoring = yaml.safe_load((folder / "scoring.yaml").read_text())
    scoring["model"]["gate_max_ece"] = 1.0
    (folder / "scoring.yaml").write_text(yaml.safe_dump(scoring))
    monkeypatch.setenv("PTLEADS_CONFIG", str(folder))
    return folder


def _settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "warehouse.duckdb", config_dir=tmp_path / "config")


def _notices(at: AppTest) -> list[str]:
    return [m.value for m in (*at.success, *at.warning)]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _table(at: AppTest, column: str):
    """The first table on the page holding `column` (dataframe keys are not exposed to AppTest)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _audited(action: str) -> list[dict]:
    return [r for r in audit.read_entries().iter_rows(named=True) if r["action"] == action]


def test_retrain_needs_confirmation_and_promotion_needs_a_challenger(published: Path) -> None:
    at = open_page("models.py", "analyst").run()
    assert not at.exception
    assert at.button(key="retrain").disabled
    assert "promote" not in [b.key for b in at.button]
    assert any("No challenger to promote" in c.value for c in at.caption)
    at.checkbox(key="confirm_retrain").check().run()
    assert not at.button(key="retrain").disabled
    assert _audited("retrain") == []  # confirming alone trains nothing


@pytest.mark.slow
def test_retrain_compare_and_gated_promotion(published: Path, gate_config: Path, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _publish_features(published, shuffled=True)
    at = open_page("models.py", "analyst").run()
    assert any("No MLflow store yet" in i.value for i in at.info)

    # First retrain from the app: with no champion yet the model is gated against the cold-start rules
    # (on shuffled labels the rules rank worse still, so it is crowned).
    at.checkbox(key="confirm_retrain").check().run()
    at.button(key="retrain").click().run(timeout=TRAIN_TIMEOUT_S)
    assert not at.exception
    (first,) = [n for n in _notices(at) if n.startswith("Trained version 1")]
    assert "now champion" in first and "beats the cold-start rules'" in first
    assert _metric(at, "Champion") == "v1" and registry.champion_version(settings) == "1"
    assert at.checkbox(key="confirm_retrain").value is False  # the next retrain needs a new confirmation
    assert _table(at, "run_id").shape[0] >= 1
    assert [(e["user"], e["target"]) for e in _audited("retrain")] == [("analyst", "v1")]

    # New data with signal is published; retraining registers v2 and train() gates it against v1.
    _publish_features(published, shuffled=False)
    at.checkbox(key="confirm_retrain").check().run()
    at.button(key="retrain").click().run(timeout=TRAIN_TIMEOUT_S)
    assert not at.exception
    (notice,) = [n for n in _notices(at) if n.startswith("Trained version 2")]
    assert "promotion gate promoted" in notice
    assert registry.champion_version(settings) == "2"
    assert registry.alias_version(settings, registry.PREVIOUS) == "1"
    assert [e["target"] for e in _audited("retrain")] == ["v2", "v1"]  # newest first

    # An operator rolled back to v1 and left v2 as challenger: compare both on the same holdout.
    assert rollback(settings) == "1"
    registry.set_alias(settings, registry.CHALLENGER, "2")
    at.run()
    assert (_metric(at, "Champion"), _metric(at, "Challenger")) == ("v1", "v2")
    at.button(key="compare").click().run(timeout=TRAIN_TIMEOUT_S)
    table = _table(at, "holdout_rows")
    assert list(table["role"]) == ["champion", "challenger"] and list(table["version"]) == ["1", "2"]
    assert table["holdout_rows"].nunique() == 1 and table["holdout_rows"].iloc[0] > 0
    assert table["auc"].iloc[1] > table["auc"].iloc[0]  # signal beats shuffled labels

    # Promotion through the gate: v2 wins on the holdout and becomes champion.
    at.checkbox(key="confirm_promote").check().run()
    at.button(key="promote").click().run(timeout=TRAIN_TIMEOUT_S)
    assert not at.exception
    assert any(n.startswith("Challenger v2 promoted") for n in _notices(at))
    assert registry.champion_version(settings) == "2"
    assert registry.alias_version(settings, registry.CHALLENGER) is None
    (promoted,) = _audited("promote")
    assert promoted["target"] == "v2" and promoted["detail"].startswith("promoted: holdout AUC")

    # A worse challenger loses the gate: the champion stays.
    registry.set_alias(settings, registry.CHALLENGER, "1")
    at.run()
    at.checkbox(key="confirm_promote").check().run()
    at.button(key="promote").click().run(timeout=TRAIN_TIMEOUT_S)
    assert any(n.startswith("Challenger v1 kept champion") and "does not beat" in n for n in _notices(at))
    assert registry.champion_version(settings) == "2"
    assert [e["detail"].split(":")[0] for e in _audited("promote")] == ["kept champion", "promoted"]
