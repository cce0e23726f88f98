"""Helpers for the generator tests: one generate() call with the test defaults, CSV reading."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from orchestration.generator import generate
from orchestration.settings import REPO_ROOT

END = date(2025, 6, 30)


def run_generate(out: Path, seed: int, n_leads: int, max_faxes: int, n_clinics: int = 3) -> str:
    return generate(
        out_dir=out,
        seed=seed,
        n_leads=n_leads,
        months=12,
        n_clinics=n_clinics,
        end=END,
        max_faxes=max_faxes,
        base_config=REPO_ROOT / "config",
        progress=lambda _msg: None,
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
