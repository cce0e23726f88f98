"""A/B of the warm dbt server's first-use warm-up (dbt_warm._warm_dbt_classes): the same `ptleads-dbt build`
served by a server that built dbt's JSON schemas and lazily compiled (de)serialisers before forking (A) and by
one that did not (B), alternating, on an existing warehouse.

    uv run python benchmarks/dbt_warm_first_use.py WAREHOUSE CONFIG_DIR [--as-of ISO] [--rounds 5]

The invocation is a daily run's phase 2 (`tag:scored`, with the daily flags of dbt_daily_selection): a build
of the warehouse's scored marts, repeated on the same state, so the rounds differ only by the warm-up. Writes
benchmarks/results/dbt-warm-first-use-<date>.json with each invocation's wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from orchestration.settings import REPO_ROOT
from orchestration.transform.dbt_daily_selection import DAILY_FILE_LOG, NO_JSON_ARTIFACTS
from orchestration.transform.dbt_warm import SERVER_ENV

RESULTS = Path(__file__).resolve().parent / "results"
# B: the same server with the warm-up replaced by nothing.
_SERVE = (
    "import sys; from orchestration.transform import dbt_warm as w\n"
    "if sys.argv[3] == 'cold':\n    w._warm_dbt_classes = lambda _parse: None\n"
    "w.serve(sys.argv[1], int(sys.argv[2]))\n"
)


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _server(path: str, mode: str) -> subprocess.Popen[bytes]:
    """The server, once it idles: its imports and warm-up done (it binds its socket before them)."""
    process = subprocess.Popen([sys.executable, "-c", _SERVE, path, str(os.getpid()), mode])
    deadline = time.monotonic() + 120
    before = -1
    while time.monotonic() < deadline:
        time.sleep(0.5)
        ticks = _cpu_ticks(process.pid)
        if ticks == before and os.path.exists(path):
            return process
        before = ticks
    raise SystemExit("the server did not settle")


def _invoke(env: dict[str, str], target: Path) -> float:
    project = REPO_ROOT / "dbt_project"
    args = ["build", "--project-dir", str(project), "--profiles-dir", str(project)]
    args += ["--target-path", str(target), "--select", "tag:scored", "--exclude", "tag:after_call_list"]
    args += ["--exclude-resource-type", "unit_test", NO_JSON_ARTIFACTS, *DAILY_FILE_LOG, "--quiet"]
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("ptleads-dbt")), *args], env=env, check=True)
    return round(time.perf_counter() - started, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("config_dir", type=Path)
    ap.add_argument("--as-of", default="2026-07-01T05:00:00+00:00")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    target = args.warehouse.parent / "dbt_target" / "dbt_phase2"
    base = {
        **os.environ,
        "PTLEADS_WAREHOUSE": str(args.warehouse),
        "PTLEADS_DATA_DIR": str(args.warehouse.parent),
        "PTLEADS_CONFIG": str(args.config_dir),
        "PTLEADS_AS_OF": args.as_of,
    }
    seconds: dict[str, list[float]] = {"warm": [], "cold": []}
    for _ in range(args.rounds):
        for mode in ("warm", "cold"):
            path = os.path.join(tempfile.gettempdir(), f"ptleads-dbt-ab-{os.getpid()}-{mode}.sock")
            server = _server(path, mode)
            try:
                seconds[mode].append(_invoke({**base, SERVER_ENV: path}, target))
            finally:
                server.terminate()
                server.wait()
                Path(path).unlink(missing_ok=True)
            print(mode, seconds[mode][-1], flush=True)
    out = {
        "warehouse": str(args.warehouse),
        "invocation": "phase 2 (tag:scored), daily flags",
        "seconds": seconds,
        "median_s": {mode: statistics.median(values) for mode, values in seconds.items()},
        "load_average_end": [round(v, 2) for v in os.getloadavg()],
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"dbt-warm-first-use-{date.today().isoformat()}.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out["median_s"]), "written", path)


if __name__ == "__main__":
    main()
