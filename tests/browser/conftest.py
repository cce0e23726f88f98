"""The served app for browser tests: one Streamlit server per module, on a fixture snapshot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_server import CHROMIUM, ServedApp, serve


@pytest.fixture(scope="module")
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser-deps)")
    with serve(tmp_path_factory.mktemp("served")) as app:
        yield app
