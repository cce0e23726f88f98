"""How long a lead with nothing booked stays open: dbt's `lost_after_days` var (dbt_project.yml). The funnel
closes an unscheduled lead that many days after receipt; the actions engine reads it here to close a lead
whose evaluation was a no-show that many days after the no-show when nothing was rebooked."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from orchestration.settings import REPO_ROOT

DBT_PROJECT_YML = REPO_ROOT / "dbt_project" / "dbt_project.yml"


@cache
def lost_after_days(path: Path = DBT_PROJECT_YML) -> int:
    """The var's value; a clear error when it is missing or not a positive whole number of days."""
    project = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    days = (project.get("vars") or {}).get("lost_after_days")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ValueError(
            f"{path}: vars.lost_after_days must be a positive whole number of days, got {days!r}"
        )
    return days
