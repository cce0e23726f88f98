"""warm_scoring_imports leaves the scorer's modules imported (in a fresh process: pytest has most of
them already) and starts one thread however often it is called."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from orchestration.transform import ml_scores
assert "skops.io" not in sys.modules and "ml.score" not in sys.modules
ml_scores.warm_scoring_imports()
ml_scores.warm_scoring_imports()
assert len(ml_scores._warming) == 1
ml_scores._warming[0].join(timeout=300)
assert "skops.io" in sys.modules and "ml.score" in sys.modules
"""


def test_warm_imports_import_the_scorer_once() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
