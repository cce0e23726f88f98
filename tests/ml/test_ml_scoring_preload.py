"""Champions loaded while dbt phase 1 runs (ml.registry.preload_champions, h97): the scoring's own load
takes the preloaded model over once, and only while the version and its files are the ones loaded."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression

from ml import registry, store_reads


@pytest.fixture
def one_champion(make_settings, monkeypatch: pytest.MonkeyPatch):
    """A settings whose store names version 3 of the conversion model champion, a skops file on disk."""
    settings = make_settings()
    store = registry.store_path(settings)
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(b"")  # exists; the look-ups below answer for it
    folder = settings.warehouse.parent / "artifacts" / "model"
    folder.mkdir(parents=True)
    model = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1]))
    skops.io.dump(model, folder / "model.skops")
    versions = {"3": folder}
    alias = {"version": "3"}

    def alias_version(path: Path, name: str, which: str) -> object:
        return alias["version"] if name == registry.MODEL_NAME and which == registry.CHAMPION else None

    monkeypatch.setattr(store_reads, "alias_version", alias_version)
    monkeypatch.setattr(store_reads, "local_model_folder", lambda path, name, v: versions.get(v))
    monkeypatch.setattr(store_reads, "recorded_trusted_types", lambda folder: None)
    monkeypatch.setattr(registry, "_preloaded", {})
    return settings, folder, alias, versions


def test_preloaded_champion_is_handed_over_once(one_champion) -> None:
    settings, _, _, _ = one_champion
    registry.preload_champions(settings)
    ((key, (_, preloaded)),) = registry._preloaded.items()
    assert key[1:] == (registry.MODEL_NAME, "3")
    first = registry.load_champion(settings)
    assert first is not None and first[0] is preloaded and first[1] == "3"
    second = registry.load_champion(settings)
    assert second is not None and second[0] is not preloaded  # loaded afresh: handed over only once
    assert registry._preloaded == {}


def test_changed_files_or_version_load_afresh(one_champion) -> None:
    settings, folder, alias, versions = one_champion
    registry.preload_champions(settings)
    ((_, preloaded),) = registry._preloaded.values()
    model_file = folder / "model.skops"
    stat = model_file.stat()
    os.utime(model_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # rewritten since
    loaded = registry.load_champion(settings)
    assert loaded is not None and loaded[0] is not preloaded

    registry.preload_champions(settings)
    ((_, preloaded),) = registry._preloaded.values()
    versions["4"] = folder  # the alias moved to another version (here with the same files)
    alias["version"] = "4"
    loaded = registry.load_champion(settings)
    assert loaded is not None and loaded[1] == "4" and loaded[0] is not preloaded


def test_preload_without_a_store_does_nothing(make_settings) -> None:
    settings = make_settings()
    registry.preload_champions(settings)
    assert not registry.store_exists(settings)


def test_the_warm_up_preloads_a_runs_champions(one_champion, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.transform import ml_scores

    settings, _, _, _ = one_champion
    monkeypatch.delenv("PTLEADS_WAREHOUSE", raising=False)
    assert ml_scores._run_settings() is None  # outside a run: nothing to preload
    monkeypatch.setenv("PTLEADS_WAREHOUSE", str(settings.warehouse))
    run_settings = ml_scores._run_settings()
    assert run_settings is not None and run_settings.warehouse == settings.warehouse
    ml_scores._warm_quietly(run_settings)
    ((_, (_, preloaded)),) = registry._preloaded.items()
    loaded = registry.load_champion(settings)
    assert loaded is not None and loaded[0] is preloaded
