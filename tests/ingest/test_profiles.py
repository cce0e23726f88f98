"""Mapping profiles and practice config: validation errors name file, key and line; profile choice by glob."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.profiles import (
    BrokenProfile,
    MappingProfile,
    load_profiles,
    load_profiles_for_ingest,
    pick_profile,
)
from orchestration.ingest.records import QuarantineFile
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


FIXTURES = REPO_ROOT / "tests" / "fixtures"


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


def test_ingest_keeps_a_broken_profile_and_quarantines_only_its_files(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.replace("kind: referral", "kind: referal"), "bad.yaml")
    _write(tmp_path, GOOD.replace("test_referrals", "visits").replace("*Referral*", "*Visits*"), "good.yaml")
    with pytest.raises(ConfigError, match=r"bad\.yaml: key kind \(line 4\)"):
        load_profiles(tmp_path)  # the strict loader (config checks) still refuses the folder
    profiles = load_profiles_for_ingest(tmp_path)
    assert [type(p) for p in profiles] == [BrokenProfile, MappingProfile]
    assert (profiles[0].file, profiles[0].source, profiles[0].match) == (
        "bad.yaml",
        "emr_csv",
        "*Referral*.csv",
    )
    with pytest.raises(QuarantineFile) as info:
        pick_profile(profiles, "emr_csv", "Weekly Referral Report.csv")
    assert "mapping profile bad.yaml is invalid: key kind (line 4)" in str(info.value)
    assert str(tmp_path) not in str(info.value)  # reasons name the file, not the practice's folders
    assert pick_profile(profiles, "emr_csv", "Weekly Visits.csv").name == "visits"
    assert pick_profile(profiles, "emr_csv", "appointments.csv") is None
    assert pick_profile(profiles, "webforms", "Weekly Referral Report.csv") is None


def test_unreadable_profile_explains_files_no_other_profile_maps(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.replace("columns:", "columns: [", 1), "a_bad.yaml")
    _write(tmp_path, GOOD.replace("test_referrals", "visits").replace("*Referral*", "*Visits*"), "good.yaml")
    profiles = load_profiles_for_ingest(tmp_path)
    assert pick_profile(profiles, "emr_csv", "Weekly Visits.csv").name == "visits"
    with pytest.raises(
        QuarantineFile, match=r"matches appointments\.csv; mapping profile a_bad\.yaml is invalid"
    ):
        pick_profile(profiles, "emr_csv", "appointments.csv")


def test_duplicate_profile_name_breaks_only_the_second_file(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, "a.yaml")
    _write(tmp_path, GOOD.replace("*Referral*", "*Visits*"), "b.yaml")
    profiles = load_profiles_for_ingest(tmp_path)
    assert pick_profile(profiles, "emr_csv", "Referral.csv").name == "test_referrals"
    with pytest.raises(QuarantineFile, match=r"b\.yaml is invalid: key name: profile name 'test_referrals'"):
        pick_profile(profiles, "emr_csv", "Visits.csv")


def test_pipeline_ingest_assets_survive_a_broken_profile(tmp_path: Path) -> None:
    """The Dagster ingest steps: FHIR and the EMR file of a good profile ingest, the broken profile's file
    is quarantined with a reason naming the profile file, and no step fails."""
    from dagster import DagsterInstance, materialize

    from orchestration.definitions import build_resources
    from orchestration.ingest.assets import ingest_inbox, raw_key
    from orchestration.ingest.sources import source_by_name
    from orchestration.settings import Settings

    config = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config)
    broken = config / "profiles" / "raintree_referral_report.yaml"
    broken.write_text(broken.read_text().replace("kind: referral", "kind: referal"))
    inbox = tmp_path / "inbox"
    (inbox / "fhir").mkdir(parents=True)
    (inbox / "emr_csv").mkdir()
    shutil.copy(FIXTURES / "fhir" / "Patient-example.json", inbox / "fhir")
    for name in ("Raintree_Referrals_2025-03.csv", "Prompt_Referrals_2025-03.csv"):
        shutil.copy(FIXTURES / "emr_csv" / name, inbox / "emr_csv")
    settings = Settings().with_overrides(inbox=inbox, warehouse=tmp_path / "w.duckdb", config_dir=config)
    wanted = [raw_key(s, t.name) for s in map(source_by_name, ("fhir", "emr_csv")) for t in s.tables]
    result = materialize(
        [ingest_inbox],
        selection=wanted,
        resources=build_resources(settings),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        log = {
            f: (s, r) for f, s, r in con.execute("select file, status, reason from raw.ingest_log").fetchall()
        }
    assert log["Patient-example.json"][0] == "ok"
    assert log["Prompt_Referrals_2025-03.csv"][0] in ("ok", "partial")
    status, reason = log["Raintree_Referrals_2025-03.csv"]
    assert status == "quarantined"
    assert reason.startswith("mapping profile raintree_referral_report.yaml is invalid: key kind (line 5)")
