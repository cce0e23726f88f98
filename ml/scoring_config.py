"""`config/scoring.yaml` as typed settings: triage rules, cold-start weights, model lifecycle knobs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from orchestration.settings import REPO_ROOT

CONFIG_NAME = "scoring.yaml"


class RuleCondition(BaseModel):
    """Every given field must hold for the rule to fire (absent fields are not checked)."""

    post_op: bool | None = None
    payer_tiers: list[str] | None = None
    payers: list[str] | None = None
    diagnosis_groups: list[str] | None = None
    min_diagnoses: int | None = None
    top_expected_value_share: float | None = None


class TriageRule(BaseModel):
    id: str
    when: RuleCondition
    reason: str


class TriageTier(BaseModel):
    route: str
    rules: list[TriageRule] = Field(default_factory=list)


class Triage(BaseModel):
    complex: TriageTier
    high: TriageTier
    standard: TriageTier


class ColdStart(BaseModel):
    base_score: float = 0.30
    min_score: float = 0.02
    max_score: float = 0.95
    post_op: float = 0.20
    tier_weights: dict[str, float] = Field(
        default_factory=lambda: {"high": 0.15, "standard": 0.05, "low": -0.05}
    )
    no_payer: float = -0.10
    near_km: float = 10.0
    far_km: float = 25.0
    near: float = 0.10
    far: float = -0.10
    referrer: float = 0.05


class ValueDefaults(BaseModel):
    rate_per_visit: float = 90.0
    expected_visits: int = 8


class ModelSettings(BaseModel):
    min_labelled_leads: int = 200
    label_window_days: int = 14
    landmark_hours: list[float] = Field(default_factory=lambda: [0.0, 4.0, 24.0, 72.0])
    holdout_fraction: float = 0.2
    calibration_fraction: float = 0.2
    history_prior_strength: float = 20.0
    max_training_leads: int = 300_000
    gate_min_auc_gain: float = 0.0
    gate_max_ece: float = 0.05


class ScoringConfig(BaseModel):
    triage: Triage
    cold_start: ColdStart = Field(default_factory=ColdStart)
    defaults: ValueDefaults = Field(default_factory=ValueDefaults)
    model: ModelSettings = Field(default_factory=ModelSettings)


def config_path(config_dir: Path | None) -> Path:
    """The practice's scoring.yaml, else the shipped default (a generated practice may not carry one)."""
    if config_dir is not None and (config_dir / CONFIG_NAME).exists():
        return config_dir / CONFIG_NAME
    return REPO_ROOT / "config" / CONFIG_NAME


@lru_cache(maxsize=8)
def _load(path: Path) -> ScoringConfig:
    return ScoringConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_scoring_config(config_dir: Path | None = None) -> ScoringConfig:
    return _load(config_path(config_dir).resolve())
