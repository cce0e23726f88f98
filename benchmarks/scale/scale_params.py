"""The parameters every scale step reads (paths under the size's work folder, the day and its as-ofs)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scale.day_split import day_bounds


def scale_params(
    leads: int, work: Path, *, months: int, seed: int, max_faxes: int, day: date
) -> dict[str, object]:
    """Steps' shared parameters; `day` is the generator's last day, the one that lands incrementally."""
    as_of, next_as_of = day_bounds(day)
    return {
        "leads": leads,
        "months": months,
        "seed": seed,
        "max_faxes": max_faxes,
        "end": day.isoformat(),
        "day": day.isoformat(),
        "gen_dir": str(work / "gen"),
        "inbox": str(work / "inbox"),
        "day_inbox": str(work / "day_inbox"),
        "config_dir": str(work / "gen" / "config"),
        "warehouse": str(work / "wh" / "warehouse.duckdb"),
        # The product's own first run builds a warehouse of its own beside the per-step one (deleted after).
        "first_run_warehouse": str(work / "first_run" / "warehouse.duckdb"),
        "floor_db": str(work / "floor.duckdb"),
        "dbt_target": str(work / "dbt_target"),
        "as_of": as_of.isoformat(),
        "next_as_of": next_as_of.isoformat(),
    }
