"""Fixtures for AppTest: a fixture snapshot, PTLEADS_WAREHOUSE/INBOX pointing the app at temp folders,
signed-in users of every role, and (reused from tests/actions) local SMTP and HTTP servers for push."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_snapshot_fixture import PAGES, build_snapshot
from streamlit.testing.v1 import AppTest

from app.lib.auth import User
from tests.actions.push_servers import http_server, smtp_server  # noqa: F401  (local SMTP/HTTP servers)

USERS = {
    "admin": User("admin", "admin", "Admin"),
    "manager": User("manager", "manager", "Manager"),
    "analyst": User("analyst", "analyst", "Analyst"),
    "staff": User("staff", "staff", "Front desk ATX-S", clinics=("ATX-S",)),
}


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """AppTest installs the page it ran as `__main__` and leaves it there; later tests in this worker (a
    spawned process pool re-runs `__main__`) must see the real one."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A published snapshot in a temporary warehouse folder; returns the snapshot path."""
    monkeypatch.setenv("PTLEADS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("PTLEADS_INBOX", str(tmp_path / "inbox"))
    return build_snapshot(tmp_path)


@pytest.fixture
def unpublished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A warehouse folder where nothing was published yet."""
    monkeypatch.setenv("PTLEADS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("PTLEADS_INBOX", str(tmp_path / "inbox"))
    return tmp_path


def open_page(file: str, role: str | None = "manager", **state: object) -> AppTest:
    """An AppTest of one page file, signed in as `role` (None = signed out), not yet run."""
    at = AppTest.from_file(str(PAGES / file), default_timeout=60)
    if role is not None:
        at.session_state["user"] = USERS[role]
    for key, value in state.items():
        at.session_state[key] = value
    return at
