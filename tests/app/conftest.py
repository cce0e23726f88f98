"""Fixtures for AppTest: a fixture snapshot, and PTLEADS_WAREHOUSE pointing the app at it."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_snapshot_fixture import build_snapshot


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A published snapshot in a temporary warehouse folder; returns the snapshot path."""
    monkeypatch.setenv("PTLEADS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    return build_snapshot(tmp_path)


@pytest.fixture
def unpublished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A warehouse folder where nothing was published yet."""
    monkeypatch.setenv("PTLEADS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    return tmp_path
