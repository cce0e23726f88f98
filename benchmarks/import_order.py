"""CPU of the scoring's imports (skops, ml.score) in a process that has loaded the pipeline's definitions
(Dagster, dagster-dbt, dbt), with and without scipy.special imported first (orchestration.scipy_first).

Each measurement is a fresh interpreter; the two orders alternate. Writes
benchmarks/results/import-order-<date>.json.

    uv run python benchmarks/import_order.py --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent

# The child blocks scipy_first's effect for "definitions_first" by loading Dagster and dbt before
# orchestration.definitions (which imports scipy_first) gets the chance.
_CHILD = """
import json, sys, time
first = sys.argv[1] == "scipy_first"
t = time.process_time()
if first:
    import scipy.special
else:
    import dagster, dagster_dbt, dbt.cli.main
pre = time.process_time()
import orchestration.pipeline, orchestration.definitions
defs = time.process_time()
import skops.io, ml.score
done = time.process_time()
print(json.dumps({"pre": pre - t, "definitions": defs - pre, "scoring_imports": done - defs,
                  "total": done - t}))
"""


def _run(order: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, order], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"definitions_first": [], "scipy_first": []}
    for _ in range(args.repeats):
        for order, found in runs.items():
            found.append(_run(order))
    summary = {
        order: {key: round(statistics.median(r[key] for r in found), 3) for key in found[0]}
        for order, found in runs.items()
    }
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "repeats": args.repeats,
        "unit": "CPU seconds of the child (process_time), median",
        "median": summary,
        "runs": runs,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"import-order-{datetime.now(UTC):%Y-%m-%d}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
