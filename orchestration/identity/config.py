"""Identity-resolution parameters from `config/identity.yaml`, validated on load."""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

COMPARISONS: dict[str, tuple[str, ...]] = {
    "first_name": ("exact", "nickname", "fuzzy", "else"),
    "last_name": ("exact", "fuzzy", "else"),
    "dob": ("exact", "transposed", "one_off", "else"),
    "phone": ("exact", "else"),
    "email": ("exact", "fuzzy", "else"),
    "zip": ("exact", "else"),
}


class Level(BaseModel):
    m: float = Field(gt=0, le=1)
    u: float = Field(gt=0, le=1)

    @property
    def weight(self) -> float:
        """Bayes factor of this level in bits (log2 m/u)."""
        return math.log2(self.m / self.u)


class EpisodeRules(BaseModel):
    """How a person's records split into lead episodes (days; the practice's own rhythm, not the data's)."""

    # A lead-opening record this long after the person's previous one opens a new lead, and a shared
    # household phone is credited to the member whose episode is active within this window.
    idle_days: int = Field(default=60, gt=0)


def veto_levels(level: str | list[str | None] | None) -> list[str | None]:
    """The levels a veto rule's entry accepts (one level, null, or a list of them)."""
    return list(level) if isinstance(level, list) else [level]


class IdentityConfig(BaseModel):
    prior_match_probability: float = Field(gt=0, lt=1)
    threshold_match_probability: float = Field(gt=0, lt=1)
    comparisons: dict[str, dict[str, Level]]
    # A rule maps comparisons to a level, null (value missing on a side) or a list of those (any of them).
    vetoes: list[dict[str, str | list[str | None] | None]] = []
    cannot_link_below_weight: float = -4.0
    episodes: EpisodeRules = EpisodeRules()

    @field_validator("comparisons")
    @classmethod
    def _levels_known(cls, value: dict[str, dict[str, Level]]) -> dict[str, dict[str, Level]]:
        for name, levels in value.items():
            if name not in COMPARISONS:
                raise ValueError(f"unknown comparison {name!r}")
            if set(levels) != set(COMPARISONS[name]):
                raise ValueError(f"comparison {name!r} needs exactly the levels {COMPARISONS[name]}")
        missing = set(COMPARISONS) - set(value)
        if missing:
            raise ValueError(f"missing comparisons {sorted(missing)}")
        return value

    @model_validator(mode="after")
    def _vetoes_known(self) -> IdentityConfig:
        for rule in self.vetoes:
            for comparison, level in rule.items():
                if comparison not in COMPARISONS or any(
                    lv is not None and lv not in COMPARISONS[comparison] for lv in veto_levels(level)
                ):
                    raise ValueError(f"veto {rule} names an unknown comparison or level")
        return self

    @property
    def prior_weight(self) -> float:
        p = self.prior_match_probability
        return math.log2(p / (1 - p))

    @property
    def threshold_weight(self) -> float:
        p = self.threshold_match_probability
        return math.log2(p / (1 - p))

    def level_weight(self, comparison: str, level: str | None) -> float:
        """Weight of one comparison's level; a missing value (null level) is neutral."""
        return 0.0 if level is None else self.comparisons[comparison][level].weight

    def is_vetoed(self, levels: dict[str, str | None]) -> bool:
        return any(all(levels.get(c) in veto_levels(lv) for c, lv in rule.items()) for rule in self.vetoes)


def load_identity_config(path: Path) -> IdentityConfig:
    """Parse and validate the YAML; errors name the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return IdentityConfig.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"{path}: invalid identity config: {exc}") from exc


def match_probability(weight: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (-weight))


DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "identity.yaml"


def identity_config_for(config_dir: Path) -> IdentityConfig:
    """The practice's identity.yaml, else the shipped default (practice folders predating it lack one)."""
    path = config_dir / "identity.yaml"
    return load_identity_config(path if path.exists() else DEFAULT_CONFIG)
