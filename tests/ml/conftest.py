"""Fixtures for the ML tests: a temporary warehouse per test."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from ml_feature_fixture import AS_OF

from orchestration.settings import Settings


@pytest.fixture
def make_settings(tmp_path: Path):
    def _make(name: str = "wh") -> Settings:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        return Settings(warehouse=folder / "warehouse.duckdb", as_of=AS_OF.replace(tzinfo=UTC))

    return _make
