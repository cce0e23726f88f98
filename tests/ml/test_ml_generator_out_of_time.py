"""Must-show on generator data: train as of month 9 through the CLI, rank months 10-12 out of time.

Each month 10-12 lead is scored right after its first contact (see out_of_time_eval: p_convert
depends on contact speed, so at receipt no scorer can approach its AUC).
At 4,000 leads (823 evaluated) the bars sit below sampling noise: AUC 0.708 vs Bayes 0.743 (ratio
0.953), ECE 0.031 while a perfectly calibrated score averages 0.037 on that many leads. So the test
runs at PTLEADS_OOT_LEADS leads (default 16,000: ~3,300 evaluated, where a perfectly calibrated
score averages ECE 0.018, p90 0.025). Measured 2026-11-28 with the same flow
(benchmarks/ml_out_of_time.py; results/ml_out_of_time-<N>-seed<S>-2026-11-28.json); seed 1 was
the old tuning seed; the `just_contacted` feature below was diagnosed on seeds 2-4, so seed 5 is
the clean check:
  16k seed 2: 3,259 leads, AUC 0.754 vs Bayes 0.772 (ratio 0.977), ECE 0.020, rules 0.647
  16k seed 3: 3,278 leads, AUC 0.760 vs Bayes 0.781 (ratio 0.974), ECE 0.023, rules 0.643
  32k seed 4: 6,553 leads, AUC 0.740 vs Bayes 0.761 (ratio 0.973), ECE 0.012, rules 0.632
  16k seed 5: 3,283 leads, AUC 0.759 vs Bayes 0.773 (ratio 0.982), ECE 0.018, rules 0.650
Before the `just_contacted` feature the ECE was 0.027 / 0.029 / 0.025 on seeds 2-4 (ratios the
same): the additive logistic under-predicted leads right at first contact by ~0.02.
It costs ~4 CPU-minutes (~16 min wall at load 8), so it is opt-in:
`PTLEADS_HEAVY=1 uv run pytest tests/ml/test_ml_generator_out_of_time.py`
(PTLEADS_OOT_SEED picks the seed, default 2).
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from out_of_time_eval import evaluate

from ml import registry
from orchestration.settings import Settings

LEADS = int(os.environ.get("PTLEADS_OOT_LEADS", "16000"))
SEED = os.environ.get("PTLEADS_OOT_SEED", "2")


def _cli(*args: str) -> None:
    subprocess.run(["uv", "run", "ptleads", *args], check=True, capture_output=True, timeout=3600)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PTLEADS_HEAVY") != "1", reason="heavy, opt-in: PTLEADS_HEAVY=1")
def test_month9_model_ranks_months_10_to_12_near_bayes(tmp_path: Path) -> None:
    gen = tmp_path / "gen"
    _cli("generate", "--out", str(gen), "--seed", SEED, "--leads", str(LEADS), "--months", "12",
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
    assert result.leads > LEADS // 10  # ~20% of leads fall in months 10-12 and settle
    assert result.model_auc >= 0.97 * result.bayes_auc
    assert result.ece <= 0.03
    assert result.model_auc > result.rules_auc
