"""Every CLI command documents itself and fails with one clear line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from orchestration.cli import cli

runner = CliRunner()


@pytest.mark.parametrize("command", ["generate", "run", "app", "train", "push"])
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert "--help" in result.output


def test_top_level_help_lists_commands() -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("generate", "run", "app", "train", "push"):
        assert command in result.output


def test_app_without_snapshot_fails_with_one_line(tmp_path) -> None:
    result = runner.invoke(cli, ["app", "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "no published snapshot" in lines[0]
