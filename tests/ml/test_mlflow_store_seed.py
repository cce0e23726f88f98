"""A fresh MLflow store is a copy of a migrated empty one: MLflow accepts it as its own, creates its
Default experiment for it, and a store that already exists is never overwritten."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mlflow import MlflowClient

import ml.registry  # noqa: F401  (sets MLflow's no-network switches before the client is used)
from ml.mlflow_store_seed import seed_store, template_path


def test_seeded_store_is_a_working_empty_store(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    seed_store(db)
    assert template_path().exists() and db.exists()
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from experiments").fetchone()[0] == 0  # schema only
    uri = f"sqlite:///{db}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    assert [e.name for e in client.search_experiments()] == ["Default"]  # made for this store
    experiment = client.create_experiment("x", artifact_location=(tmp_path / "art").as_uri())
    run = client.create_run(experiment)
    client.log_metric(run.info.run_id, "auc", 0.7)
    client.create_registered_model("m")
    assert client.get_run(run.info.run_id).data.metrics == {"auc": 0.7}


def test_existing_store_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    db.write_bytes(b"not a template")
    seed_store(db)
    assert db.read_bytes() == b"not a template"
