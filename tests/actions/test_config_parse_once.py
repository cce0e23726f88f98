"""Config files are parsed once per text: a run loads the same files several times, each load still
validates (errors name file, key and line) and hands out objects of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestration import practice_config
from orchestration.practice_config import ConfigError, Practice, load_validated_yaml

PRACTICE = """name: Test PT
clinics:
  - id: C1
    name: North
    zip: "60601"
    timezone: America/Chicago
    hours: {mon: "08:00-17:00"}
"""


def test_same_text_parsed_once_each_load_its_own_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "practice.yaml"
    path.write_text(PRACTICE, encoding="utf-8")
    parses = []
    real = yaml.safe_load
    monkeypatch.setattr(practice_config.yaml, "safe_load", lambda text: parses.append(1) or real(text))
    first = load_validated_yaml(path, Practice)
    first.clinics[0].hours["tue"] = "09:00-12:00"  # a caller changing its copy
    second = load_validated_yaml(path, Practice)
    assert len(parses) <= 1  # 0 when an earlier test parsed the same text
    assert second.clinics[0].hours == {"mon": "08:00-17:00"}
    assert second is not first


def test_an_edited_file_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "practice.yaml"
    path.write_text(PRACTICE, encoding="utf-8")
    assert load_validated_yaml(path, Practice).name == "Test PT"
    path.write_text(PRACTICE.replace("Test PT", "Other PT"), encoding="utf-8")
    assert load_validated_yaml(path, Practice).name == "Other PT"


def test_invalid_value_names_its_line_on_every_load(tmp_path: Path) -> None:
    path = tmp_path / "practice.yaml"
    path.write_text(PRACTICE.replace('"60601"', '"6060"'), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"key clinics\.0\.zip \(line 5\)"):
            load_validated_yaml(path, Practice)


def test_invalid_yaml_names_its_line_on_every_load(tmp_path: Path) -> None:
    path = tmp_path / "practice.yaml"
    path.write_text(PRACTICE + "  - id: [unclosed\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"line \d+ invalid YAML"):
            load_validated_yaml(path, Practice)
