"""Must-show on generator data: train as of month 9 through the CLI, rank months 10-12 out of time.

Measured 2026-11-28 (seed 1, 4000 leads): model AUC 0.607 vs Bayes 0.729 (ratio 0.83), rules 0.608,
ECE 0.054. The gap is known: the warehouse has no first-contact or verification times yet (touch
attribution yields none), and contact speed carries much of p_convert; without it even a model fitted
on the generator's own truth columns reaches ~0.60-0.67. Strict xfail: it fails loudly once it passes.
"""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from out_of_time_eval import evaluate

from ml import registry
from orchestration.settings import Settings


def _cli(*args: str) -> None:
    subprocess.run(["uv", "run", "ptleads", *args], check=True, capture_output=True, timeout=900)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="no contact timing in the warehouse yet: AUC ratio ~0.83 < 0.97")
def test_month9_model_ranks_months_10_to_12_near_bayes(tmp_path: Path) -> None:
    gen = tmp_path / "gen"
    _cli("generate", "--out", str(gen), "--seed", "1", "--leads", "4000", "--months", "12",
         "--max-faxes", "0", "--end", "2025-06-30")  # fmt: skip
    common = ["--inbox", str(gen / "inbox"), "--config", str(gen / "config")]
    wh9, wh12 = tmp_path / "m9" / "warehouse.duckdb", tmp_path / "m12" / "warehouse.duckdb"
    _cli("run", *common, "--warehouse", str(wh9), "--as-of", "2025-03-31T23:59:59Z")
    _cli("train", "--warehouse", str(wh9), "--config", str(gen / "config"))
    _cli("run", *common, "--warehouse", str(wh12), "--as-of", "2025-06-30T23:59:59Z")
    champion = registry.load_champion(Settings(warehouse=wh9))
    assert champion is not None
    con = duckdb.connect(str(wh12), read_only=True)
    try:
        result = evaluate(con, champion[0], gen / "truth", datetime(2025, 4, 1))
    finally:
        con.close()
    assert result.leads > 500
    assert result.model_auc >= 0.97 * result.bayes_auc
    assert result.ece <= 0.03
    assert result.model_auc > result.rules_auc
