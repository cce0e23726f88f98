"""Speed-to-lead targets: every priority tier is measured; a tier without a target is held to standard's."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from orchestration.actions.call_list import ALL_CLINICS, SlaLead, sla_metrics, sla_table
from orchestration.actions.sequences import SLA_TIERS, load_sequences
from orchestration.practice_config import ConfigError

CONFIG = Path(__file__).resolve().parents[2] / "config"
R = datetime(2025, 3, 10, 15, 0)


def _config_with_sla(tmp_path: Path, sla: dict[str, str]) -> Path:
    shutil.copy(CONFIG / "compliance.yaml", tmp_path / "compliance.yaml")
    data = yaml.safe_load((CONFIG / "sequences.yaml").read_text())
    data["sla"] = sla
    (tmp_path / "sequences.yaml").write_text(yaml.safe_dump(data))
    return tmp_path


def test_shipped_targets_cover_every_tier_and_complex_is_at_least_as_urgent_as_standard() -> None:
    targets = load_sequences(CONFIG).sla_targets()
    assert set(targets) == set(SLA_TIERS)
    assert targets["complex"] <= targets["standard"]
    assert targets["high"] < targets["standard"]


def test_a_tier_left_out_of_sla_falls_back_to_standard(tmp_path: Path) -> None:
    cfg = load_sequences(_config_with_sla(tmp_path, {"high": "30m", "standard": "90m"}))
    assert cfg.sla_target("complex") == timedelta(minutes=90)
    assert cfg.sla_target("low") == timedelta(minutes=90)
    assert cfg.sla_target("high") == timedelta(minutes=30)
    assert cfg.sla_targets()["complex"] == timedelta(minutes=90)


def test_sla_without_standard_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_sequences(_config_with_sla(tmp_path, {"high": "30m", "complex": "1h"}))


def test_complex_leads_are_measured_in_the_sla_table() -> None:
    targets = load_sequences(CONFIG).sla_targets()
    leads = [
        SlaLead("a", "complex", R, R + timedelta(minutes=45), "ATX-S"),  # within 2 h
        SlaLead("b", "complex", R, R + timedelta(hours=3), "ATX-S"),  # late
        SlaLead("c", "complex", R, None, "RR"),  # never reached
        SlaLead("d", "high", R, R + timedelta(minutes=5), "RR"),
    ]
    rows = {(r.clinic_id, r.priority_tier): r for r in sla_table(leads, R + timedelta(hours=6), targets)}
    practice = rows[(ALL_CLINICS, "complex")]
    assert (practice.leads, practice.within, practice.target_minutes) == (3, 1, 120.0)
    assert (rows[("ATX-S", "complex")].leads, rows[("RR", "complex")].within) == (2, 0)


def test_a_tier_missing_from_the_targets_is_measured_against_standard_not_dropped() -> None:
    targets = {"high": timedelta(minutes=30), "standard": timedelta(hours=2)}
    leads = [SlaLead("a", "complex", R, R + timedelta(hours=1)), SlaLead("b", "complex", R, None)]
    metrics = {m.priority_tier: m for m in sla_metrics(leads, R + timedelta(hours=3), targets)}
    assert (metrics["complex"].leads, metrics["complex"].within) == (2, 1)
    assert metrics["complex"].target == timedelta(hours=2)
    assert set(targets) == {"high", "standard"}  # the caller's mapping is not changed


def test_a_clinic_named_like_the_practice_row_does_not_loop_forever() -> None:
    """A clinic whose id is ALL_CLINICS used to append to the list being iterated (an endless loop that
    grew memory until the kernel killed the process)."""
    targets = load_sequences(CONFIG).sla_targets()
    leads = [
        SlaLead("a", "high", R, R + timedelta(minutes=5), ALL_CLINICS),
        SlaLead("b", "high", R, None, "RR"),
    ]
    rows = {(r.clinic_id, r.priority_tier): r for r in sla_table(leads, R + timedelta(hours=6), targets)}
    assert (rows[(ALL_CLINICS, "high")].leads, rows[(ALL_CLINICS, "high")].within) == (2, 1)
    assert (rows[("RR", "high")].leads, rows[("RR", "high")].within) == (1, 0)
