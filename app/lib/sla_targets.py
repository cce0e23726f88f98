"""First-contact SLA targets per priority tier, from `config/sequences.yaml` (`sla: {high: 30m, ...}`)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DEFAULT_TARGETS_HOURS: dict[str, float] = {"high": 0.5, "standard": 2.0, "low": 24.0}
_UNIT_HOURS = {"m": 1 / 60, "h": 1.0, "d": 24.0}


def parse_duration_hours(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhd])\s*", str(text))
    if not match:
        raise ValueError(f"not a duration like 30m, 2h or 1d: {text!r}")
    return float(match.group(1)) * _UNIT_HOURS[match.group(2)]


def sla_targets_hours(config_dir: Path) -> dict[str, float]:
    """Tier -> target hours; the defaults when the file or key is absent."""
    path = config_dir / "sequences.yaml"
    if not path.is_file():
        return dict(DEFAULT_TARGETS_HOURS)
    sla = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sla")
    if not isinstance(sla, dict):
        return dict(DEFAULT_TARGETS_HOURS)
    return {str(tier): parse_duration_hours(value) for tier, value in sla.items()}
