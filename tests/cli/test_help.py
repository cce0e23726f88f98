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


def test_app_passes_inbox_and_config_to_streamlit(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff writes go to the inbox the app was given, so the Streamlit process must see it."""
    import orchestration.cli as cli_module

    (tmp_path / "serving").mkdir()
    (tmp_path / "serving" / "snapshot.duckdb").touch()
    for var in ("PTLEADS_INBOX", "PTLEADS_CONFIG", "PTLEADS_WAREHOUSE"):
        monkeypatch.delenv(var, raising=False)
    seen: dict[str, str] = {}

    def fake_call(cmd: list[str], env: dict[str, str]) -> int:
        seen.update(env)
        return 0

    monkeypatch.setattr(cli_module.subprocess, "call", fake_call)
    args = ["app", "--warehouse", str(tmp_path / "warehouse.duckdb")]
    args += ["--inbox", str(tmp_path / "practice_inbox"), "--config", str(tmp_path / "practice_config")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert seen["PTLEADS_INBOX"] == str((tmp_path / "practice_inbox").resolve())
    assert seen["PTLEADS_CONFIG"] == str((tmp_path / "practice_config").resolve())
    assert seen["PTLEADS_WAREHOUSE"] == str((tmp_path / "warehouse.duckdb").resolve())
