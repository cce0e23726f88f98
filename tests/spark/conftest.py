"""The `spark` marker (registered here: pyproject.toml belongs to another engineer)."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: builds the dbt project on the Spark target (PTLEADS_SPARK=1)")
