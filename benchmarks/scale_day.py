"""Re-measure one new day on an existing scale warehouse (`make bench` left it with the day landed):
un-land the day, rebuild and score as of the day before, then land the day and run the pipeline
(file landing -> updated call list). Needs no re-generation or re-ingest of history, so a 1M warehouse
can measure the day at another commit in about 17 minutes instead of hours.

    uv run python benchmarks/scale_day.py --size 1000000
    make bench-day BENCH_SIZES=1000000

To measure the day at several commits without the full build each time: once,
`--save-before DIR` keeps a copy of the warehouse folder as of the day before (after the full build,
score, scored marts, actions and publish); then `--restore DIR` starts each measurement from that copy and
runs yesterday's pipeline (at the commit measured) and the day. `--restore DIR --save-ready DIR2` also keeps
the steady state after yesterday's run; `--ready DIR2` then runs only the day (~3 minutes at 1M), valid for
commits that change no model's SQL (a changed model would rebuild inside the measured day).

Writes benchmarks/results/scale-day-<size>-<date>.json: each step's wall / CPU / peak RSS, the day's
timeline, the slowest dbt nodes of the day's phase 1 and the plan every increment chose.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from scale.bytecode import compile_bytecode
from scale.child_step import run_step
from scale.manifest import prepare_manifest
from scale.scale_params import scale_params
from scale.unland import drop_warehouse_run_outputs, unland_day, unland_inbox

RESULTS = Path(__file__).resolve().parent / "results"
# As of the day before: full build, then what the day's publish patches (a real previous-day snapshot).
BEFORE_DAY = ("dbt_full", "score", "dbt_scored", "actions", "publish", "previous_day")


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "unknown"


def _slowest_nodes(work: Path, top: int) -> list[list[object]]:
    path = work / "wh" / "dbt_target" / "dbt_phase1" / "run_results.json"
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    ranked = sorted(results, key=lambda r: -r["execution_time"])[:top]
    return [[r["unique_id"].split(".", 2)[-1], round(r["execution_time"], 2)] for r in ranked]


def _plans(work: Path) -> dict[str, str]:
    """The plan each increment recorded in its `<model>_run` table (increment / full / create)."""
    con = duckdb.connect(str(work / "wh" / "warehouse.duckdb"), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.columns "
            "where table_catalog = current_database() and column_name = 'plan' and table_name like '%_run' "
            "order by 1"
        ).fetchall()
        return {t: str(con.execute(f"select plan from {t}").fetchone()[0]) for (t,) in tables}
    finally:
        con.close()


REACHED = {"day_to_call_list_s": "call list:", "day_to_push_s": "push:", "day_to_publish_s": "publish:"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/ptleads_scale"))
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 6, 30), help="the landing day")
    ap.add_argument("--skip-before", action="store_true", help="already as of the day before")
    ap.add_argument("--top", type=int, default=25, help="slowest dbt nodes of the day to keep")
    ap.add_argument(
        "--save-before", type=Path, help="copy the warehouse folder here once it is as of the day before"
    )
    ap.add_argument("--restore", type=Path, help="start from a --save-before copy instead of rebuilding")
    ap.add_argument("--label", default="", help="suffix of the results file name, e.g. before / after")
    ap.add_argument(
        "--save-ready",
        type=Path,
        help="with --restore: copy the warehouse folder here after yesterday's run (the steady state)",
    )
    ap.add_argument(
        "--ready",
        type=Path,
        help="start from a --save-ready copy and run only the day (valid while no model's SQL changed since)",
    )
    ap.add_argument(
        "--push-csv",
        action="store_true",
        help="the run pushes its list as CSV files once written (push.yaml after_run), as a practice that"
        " pushes would: adds day_to_push_s",
    )
    args = ap.parse_args()
    work = args.work / str(args.size)
    if (
        args.push_csv
    ):  # the day's run (a child process) reads PTLEADS_PUSH; a relative csv_dir is beside the wh
        (work / "push.yaml").write_text("csv_dir: pushed_call_lists\nafter_run: [csv]\n", encoding="utf-8")
        os.environ["PTLEADS_PUSH"] = str(work / "push.yaml")
    has_warehouse = (args.ready or args.restore or work / "wh") / "warehouse.duckdb"
    if not has_warehouse.exists() or not (work / "day_inbox").is_dir():
        raise SystemExit(f"{work}: no scale warehouse with a day_inbox (make bench BENCH_SIZES={args.size})")
    if not (work / "gen" / "config" / "practice.yaml").exists():
        raise SystemExit(f"{work}/gen/config is gone (older scale runs deleted it): rerun make bench")
    params = scale_params(args.size, work, months=12, seed=1, max_faxes=10, day=args.end)
    print(f"bytecode compiled in {compile_bytecode():.1f} s (not timed)", flush=True)
    print(f"dbt manifest current in {prepare_manifest():.1f} s (not timed)", flush=True)
    day_morning = datetime.fromisoformat(str(params["next_as_of"]))
    out: dict[str, object] = {
        "leads": args.size,
        "commit": _commit(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": _load(),
        "steps": {},
    }
    steps = [] if args.skip_before else list(BEFORE_DAY)
    if args.ready:
        # Saved after yesterday's run with the day's inbox already un-landed and its outputs dropped.
        shutil.rmtree(work / "wh", ignore_errors=True)
        shutil.copytree(args.ready, work / "wh", symlinks=True)
        out["restored_from"] = str(args.ready)
        out["unlanded"] = {"inbox_files": unland_inbox(work)}
        steps = []
    elif args.restore:
        shutil.rmtree(work / "wh", ignore_errors=True)
        shutil.copytree(args.restore, work / "wh", symlinks=True)
        out["restored_from"] = str(args.restore)
        out["unlanded"] = {
            "inbox_files": unland_inbox(work),
            "run_output_rows": drop_warehouse_run_outputs(work, day_morning),
        }
        steps = ["previous_day"]
    elif not args.skip_before:
        unlanded = unland_day(work, day_morning)
        out["unlanded"] = asdict(unlanded)
        print(f"[{args.size}] un-landed {unlanded.day_files} day files", flush=True)
    for name in [*steps, "incremental"]:
        if name == "previous_day" and args.save_before:
            shutil.rmtree(args.save_before, ignore_errors=True)
            shutil.copytree(work / "wh", args.save_before, symlinks=True)
            print(f"[{args.size}] saved the warehouse as of the day before to {args.save_before}", flush=True)
        # Yesterday's run (or a restore's copy) leaves GBs of dirty pages: written back before the step so
        # the step does not share the disk with it (a practice's day starts hours after yesterday's run).
        os.sync()
        print(f"[{args.size}] {name} ... load {_load()}", flush=True)
        result = run_step(name, params, work)
        out["steps"][name] = {**result.as_json(), "load_average_end": _load()}
        print(f"[{args.size}] {name}: {result.wall_s:.1f} s wall, {result.cpu_s:.1f} CPU", flush=True)
        if name == "previous_day" and args.save_ready:
            shutil.rmtree(args.save_ready, ignore_errors=True)
            shutil.copytree(work / "wh", args.save_ready, symlinks=True)
            print(f"[{args.size}] saved the steady-state warehouse to {args.save_ready}", flush=True)
    day = out["steps"]["incremental"]
    # Seconds from the run's start (file landing) to its progress lines: the call list (the bar), the run's
    # own push (with --push-csv: the lists in the staff's folder) and publish (the app's snapshot).
    for key, marker in REACHED.items():
        line = next((line for line in day["timeline"] if marker in line), None)
        out[key] = float(line.split("s ", 1)[0]) if line else None
    out["day_phase1_slowest"] = _slowest_nodes(work, args.top)
    out["day_plans"] = _plans(work)
    out["load_average_end"] = _load()
    RESULTS.mkdir(parents=True, exist_ok=True)
    label = f"-{args.label}" if args.label else ""
    stem = f"scale-day-{args.size}-{date.today().isoformat()}-{out['commit']}{label}"
    path = RESULTS / f"{stem}.json"
    for n in range(2, 100):  # never overwrite an earlier run's result at the same commit (parallel runs do)
        if not path.exists():
            break
        path = RESULTS / f"{stem}-{n}.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    reached = ", ".join(f"{k[7:-2].replace('_', ' ')} {out[k]} s" for k in REACHED)
    print(f"[{args.size}] day to {reached}; written {path}", flush=True)


if __name__ == "__main__":
    main()
