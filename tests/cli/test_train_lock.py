"""`ptleads train` queues on the warehouse writer lock like `run` and `push`, and a warehouse held by a
process outside that lock gives one clear line, not a DuckDB traceback."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from typer.testing import CliRunner

import ml.train
from orchestration.cli import cli

runner = CliRunner()


def _warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    return path


def test_train_holds_the_writer_lock_while_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = _warehouse(tmp_path)
    held: list[bool] = []

    def fake_train(con: duckdb.DuckDBPyConnection, settings: object, force: bool) -> SimpleNamespace:
        # A second open file description of the lock file cannot take it while train holds it.
        with open(warehouse.with_name(warehouse.name + ".lock"), "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held.append(True)
            else:
                fcntl.flock(handle, fcntl.LOCK_UN)
                held.append(False)
        return SimpleNamespace(version=None, skipped="too few settled leads")

    monkeypatch.setattr(ml.train, "train", fake_train)
    result = runner.invoke(cli, ["train", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert held == [True]
    assert "no model trained: too few settled leads" in result.output


def test_train_on_a_warehouse_open_elsewhere_fails_with_one_line(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); "
            "print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = runner.invoke(cli, ["train", "--warehouse", str(warehouse)])
    finally:
        holder.stdin.close()
        holder.wait()
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: warehouse {warehouse.resolve()} is open in another process; close it and retry"
    ]
    assert "Traceback" not in result.output
