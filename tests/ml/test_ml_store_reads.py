"""The scorer's direct reads of the MLflow store answer as MLflow does, and a model loads under the same
trust policy whether or not its logged trust list is usable."""

from __future__ import annotations

from pathlib import Path

import pytest
import skops.io
import yaml
from sklearn.linear_model import LogisticRegression

from ml import registry, store_reads
from orchestration.settings import Settings


def _model_folder(root: Path, name: str, trusted: list[str] | None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    skops.io.dump(model, folder / "model.skops")
    flavor: dict[str, object] = {"serialization_format": "skops"}
    if trusted is not None:
        flavor["skops_trusted_types"] = trusted
    (folder / "MLmodel").write_text(yaml.safe_dump({"flavors": {"sklearn": flavor}}))
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Settings:
    """Three versions of one model (the second deleted) and aliases on two of them, made through MLflow."""
    settings = Settings(warehouse=tmp_path / "wh" / "warehouse.duckdb")
    settings.warehouse.parent.mkdir(parents=True)
    client = registry.configure(settings)
    client.create_registered_model(registry.MODEL_NAME)
    for n in (1, 2, 3):
        folder = _model_folder(tmp_path / "artifacts", f"v{n}", trusted=[])
        client.create_model_version(registry.MODEL_NAME, folder.as_uri())
    client.set_registered_model_alias(registry.MODEL_NAME, registry.CHAMPION, "3")
    client.set_registered_model_alias(registry.MODEL_NAME, registry.PREVIOUS, "2")
    client.delete_model_version(registry.MODEL_NAME, "2")
    return settings


def _mlflow_alias(settings: Settings, alias: str, model: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(registry.configure(settings).get_model_version_by_alias(model, alias).version)
    except MlflowException:
        return None


@pytest.mark.parametrize("model", [registry.MODEL_NAME, registry.NO_SHOW_MODEL_NAME])
@pytest.mark.parametrize("alias", [registry.CHAMPION, registry.CHALLENGER, registry.PREVIOUS])
def test_alias_reads_match_mlflow(store: Settings, alias: str, model: str) -> None:
    direct = store_reads.alias_version(registry.store_path(store), model, alias)
    assert direct is not store_reads.UNREADABLE
    assert direct == _mlflow_alias(store, alias, model)


def test_model_folder_is_where_mlflow_downloads_from(store: Settings, tmp_path: Path) -> None:
    client = registry.configure(store)
    for version in ("1", "3"):
        folder = store_reads.local_model_folder(registry.store_path(store), registry.MODEL_NAME, version)
        assert folder is not None
        assert folder.as_uri() == client.get_model_version_download_uri(registry.MODEL_NAME, version)
    # a deleted version and an unknown one: MLflow finds no such version either
    assert store_reads.local_model_folder(registry.store_path(store), registry.MODEL_NAME, "2") is None
    assert store_reads.local_model_folder(registry.store_path(store), registry.MODEL_NAME, "9") is None


def test_an_unreadable_store_defers_to_mlflow(tmp_path: Path) -> None:
    odd = tmp_path / "mlflow.db"
    odd.write_bytes(b"not a sqlite file")
    assert store_reads.alias_version(odd, registry.MODEL_NAME, registry.CHAMPION) is store_reads.UNREADABLE
    assert store_reads.local_model_folder(odd, registry.MODEL_NAME, "1") is None


def test_champion_loads_from_the_store(store: Settings) -> None:
    loaded = registry.load_champion(store)
    assert loaded is not None
    model, version = loaded
    assert version == "3" and isinstance(model, LogisticRegression)


@pytest.mark.parametrize("recorded", [None, [], ["numpy.dtype"], ["numpy.dtype", "os.system"]])
def test_any_logged_trust_list_loads_the_same_model(tmp_path: Path, recorded: list[str] | None) -> None:
    folder = _model_folder(tmp_path, "m", trusted=recorded)
    assert store_reads.recorded_trusted_types(folder) == (None if recorded is None else sorted(recorded))
    model = registry.load_skops(folder / "model.skops", store_reads.recorded_trusted_types(folder))
    assert isinstance(model, LogisticRegression)


def test_a_file_holding_a_foreign_type_is_refused_whatever_the_list(tmp_path: Path) -> None:
    import functools

    path = tmp_path / "foreign.skops"
    skops.io.dump({"f": functools.reduce}, path)
    for recorded in (None, ["functools.reduce"], []):
        with pytest.raises(ValueError, match="outside"):
            registry.load_skops(path, recorded)
