"""Mapping profiles and practice config: validation errors name file, key and line; profile choice by glob."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.ingest.profiles import load_profiles, pick_profile
from orchestration.practice_config import ConfigError, load_practice_config
from orchestration.settings import REPO_ROOT

GOOD = """\
name: test_referrals
source: emr_csv
match: "*Referral*.csv"
kind: referral
id: "Referral ID"
columns:
  full_name: "Patient"
  received_at: "Received"
formats: {received_at: "%m/%d/%Y %I:%M %p"}
timezone: America/Chicago
"""


def _write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    (tmp_path / "profiles").mkdir(exist_ok=True)
    (tmp_path / "profiles" / name).write_text(text)
    return tmp_path


def test_shipped_profiles_load() -> None:
    profiles = load_profiles(REPO_ROOT / "config")
    assert "generic_webform" in {p.name for p in profiles}


def test_pick_profile_by_source_and_glob(tmp_path: Path) -> None:
    profiles = load_profiles(_write(tmp_path, GOOD))
    assert pick_profile(profiles, "emr_csv", "Weekly Referral Report.CSV").name == "test_referrals"
    assert pick_profile(profiles, "emr_csv", "appointments.csv") is None
    assert pick_profile(profiles, "webforms", "Weekly Referral Report.csv") is None


@pytest.mark.parametrize(
    ("broken", "key", "line"),
    [
        (GOOD.replace("kind: referral", "kind: referal"), "kind", 4),
        (GOOD.replace('  full_name: "Patient"', '  fullname: "Patient"'), "(top level)", 1),
        (GOOD.replace("timezone: America/Chicago", "timezone: Mars/Olympus"), "timezone", 10),
        (GOOD.replace('match: "*Referral*.csv"\n', ""), "match", 1),
    ],
)
def test_profile_errors_name_file_key_line(tmp_path: Path, broken: str, key: str, line: int) -> None:
    _write(tmp_path, broken)
    with pytest.raises(ConfigError) as info:
        load_profiles(tmp_path)
    message = str(info.value)
    assert "p.yaml" in message
    assert f"key {key} (line {line})" in message


def test_unknown_canonical_field_is_named(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.replace('  full_name: "Patient"', '  fullname: "Patient"'))
    with pytest.raises(ConfigError, match="fullname"):
        load_profiles(tmp_path)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.replace("columns:", "columns: [", 1))
    with pytest.raises(ConfigError, match=r"p\.yaml: line \d+ invalid YAML"):
        load_profiles(tmp_path)


def test_practice_config_error_points_at_the_clinic(tmp_path: Path) -> None:
    for name in ("payers.yaml", "diagnosis_groups.yaml"):
        (tmp_path / name).write_text((REPO_ROOT / "config" / name).read_text())
    text = (REPO_ROOT / "config" / "practice.yaml").read_text()
    (tmp_path / "practice.yaml").write_text(
        text.replace("timezone: America/Chicago", "timezone: Nowhere/Town", 2)
    )
    with pytest.raises(ConfigError) as info:
        load_practice_config(tmp_path)
    expected_line = next(i for i, ln in enumerate(text.splitlines(), 1) if "timezone:" in ln)
    assert f"practice.yaml: key clinics.0.timezone (line {expected_line})" in str(info.value)


def test_shipped_practice_config_loads() -> None:
    config = load_practice_config(REPO_ROOT / "config")
    assert {c.id for c in config.practice.clinics} >= {"ATX-S", "RR", "CP"}
    assert all(p.tier in ("high", "standard", "low") for p in config.payers)
