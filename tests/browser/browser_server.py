"""Start and stop a real Streamlit server on a free loopback port (used by tests/browser/conftest.py)."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 90


def _load_snapshot_builder():
    """tests/app's fixture builder, loaded by path (test folders are not packages)."""
    if str(REPO / "tests" / "app") not in sys.path:  # for its sibling module app_snapshot_details
        sys.path.insert(0, str(REPO / "tests" / "app"))
    spec = importlib.util.spec_from_file_location(
        "browser_app_snapshot_fixture", REPO / "tests" / "app" / "app_snapshot_fixture.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"streamlit not healthy after {STARTUP_TIMEOUT_S}s")


@dataclass(frozen=True)
class ServedApp:
    url: str
    snapshot: Path
    folder: Path


@contextmanager
def start_app(env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """Serve the app with `env` (PTLEADS_* paths) on a free loopback port; yields its URL."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(REPO / "app" / "streamlit_app.py"),
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]  # fmt: skip
    with (log_dir / "streamlit.log").open("wb") as log_file:
        proc = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, **env}, stdout=log_file, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def serve(folder: Path) -> Iterator[ServedApp]:
    """Build a fixture snapshot in `folder`, serve the app against it, stop the server afterwards."""
    snapshot = _load_snapshot_builder().build_snapshot(folder)
    env = {"PTLEADS_WAREHOUSE": str(folder / "warehouse.duckdb"), "PTLEADS_INBOX": str(folder / "inbox")}
    with start_app(env, folder) as url:
        yield ServedApp(url=url, snapshot=snapshot, folder=folder)
