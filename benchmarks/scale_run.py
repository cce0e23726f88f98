"""One scale run per size: generate, the floor, ingest per source, dbt full build, train, score, scored
marts, next actions, publish, the heaviest app queries, then one new day end to end (file landing ->
updated call list). Every step runs in its own child process, so each step's peak RSS is its own.

    uv run python benchmarks/scale_run.py --sizes 10000 100000 [--nice 10] [--spark] [--resume]
    make bench BENCH_SIZES="10000 100000"

Writes benchmarks/results/<date>-<size>.json, then rewrites benchmarks/results/SCALE.md and the
log-log plots from the newest result of every size. Numbers on a shared machine are pessimistic:
CPU seconds are recorded beside wall seconds, with the load average at the start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from scale.bytecode import compile_bytecode
from scale.child_step import StepResult, run_step
from scale.manifest import prepare_manifest
from scale.scale_params import scale_params
from scale.scale_report import PIPELINE_KEYS, RESULTS, write_report

from orchestration.settings import DEFAULT_DUCKDB_MEMORY_LIMIT

# Steps that make up "the pipeline" for the floor ratio (generate, floor, app queries excluded).
PIPELINE_STEPS = PIPELINE_KEYS
ORDER = ("generate", "floor", *PIPELINE_STEPS, "app_queries", "first_run", "previous_day", "incremental")


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def run_size(leads: int, args: argparse.Namespace) -> dict[str, object] | None:
    """One size's steps; None when --stop-after ended it early (its steps.json lets --resume go on)."""
    work = args.work / f"{leads}"
    done_path = work / "steps.json"  # each finished step, so a long size (1M: hours) can resume
    if work.exists() and not args.resume:
        shutil.rmtree(work)
    done: dict[str, dict[str, object]] = (
        json.loads(done_path.read_text(encoding="utf-8")) if args.resume and done_path.exists() else {}
    )
    params = scale_params(
        leads, work, months=args.months, seed=args.seed, max_faxes=args.max_faxes, day=args.end
    )
    out: dict[str, object] = {
        "leads": leads,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": _load(),
        "cpu_count": os.cpu_count(),
        "nice": args.nice,
        "duckdb_memory_limit": os.environ.get("PTLEADS_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT,
        "params": {k: params[k] for k in ("months", "seed", "max_faxes", "day", "as_of", "next_as_of")},
        "steps": {},
    }
    steps = [*ORDER, *(["spark"] if args.spark else [])]
    for name in steps:
        if name in done:
            print(f"[{leads}] {name}: done in an earlier run (--resume)", flush=True)
            out["steps"][name] = done[name]
            continue
        print(f"[{leads}] {name} ...", flush=True)
        # The step before can leave GBs of dirty pages (a 1M build writes ~17 GB): written back before the
        # next step is timed, as scale_day.py does, not during it.
        os.sync()
        result: StepResult = run_step(name, params, work, nice=args.nice)
        out["steps"][name] = {**result.as_json(), "load_average_end": _load()}
        done_path.parent.mkdir(parents=True, exist_ok=True)
        done_path.write_text(json.dumps(out["steps"], indent=2) + "\n", encoding="utf-8")
        print(
            f"[{leads}] {name}: {result.wall_s:.1f} s wall, {result.cpu_s:.1f} s CPU, "
            f"peak RSS {result.peak_rss_mb:.0f} MB",
            flush=True,
        )
        if name == args.stop_after:
            return None
    step_data = out["steps"]
    pipeline_wall = sum(step_data[s]["wall_s"] for s in PIPELINE_STEPS)
    pipeline_cpu = sum(step_data[s]["cpu_s"] for s in PIPELINE_STEPS)
    out["pipeline_wall_s"] = round(pipeline_wall, 2)
    out["pipeline_cpu_s"] = round(pipeline_cpu, 2)
    out["floor_wall_s"] = step_data["floor"]["wall_s"]
    out["pipeline_over_floor"] = round(pipeline_wall / step_data["floor"]["seconds"], 1)
    out["pipeline_cpu_over_floor_cpu"] = round(pipeline_cpu / step_data["floor"]["cpu_seconds"], 1)
    first = step_data["first_run"]
    out["first_run_wall_s"] = first["wall_s"]
    out["first_run_cpu_s"] = first["cpu_s"]
    out["first_run_over_floor"] = round(first["wall_s"] / step_data["floor"]["seconds"], 1)
    out["first_run_cpu_over_floor_cpu"] = round(first["cpu_s"] / step_data["floor"]["cpu_seconds"], 1)
    out["pipeline_over_floor_note"] = (
        "pipeline = sum of the pipeline steps' child wall times; first_run = the product's own first "
        "`run_pipeline` (the same work in one process, its child's wall time including start-up); floor = "
        "DuckDB reading the same files (inside its child, excluding interpreter start-up); the CPU ratio is "
        "less sensitive to other load"
    )
    out["peak_rss_mb"] = max(v["peak_rss_mb"] for v in step_data.values())
    out["load_average_end"] = _load()
    if not args.keep:  # the practice's config stays: scale_day.py re-runs the day with it
        for path in (work / "gen").iterdir() if (work / "gen").is_dir() else ():
            if path.name != "config":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-faxes", type=int, default=10, help="fax images are capped (OCR is seconds a page)")
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 6, 30), help="the landing day")
    ap.add_argument("--work", type=Path, default=Path("/tmp/ptleads_scale"))
    ap.add_argument("--nice", type=int, default=0, help="niceness of every step's child process")
    ap.add_argument("--spark", action="store_true", help="also build fct_leads on the Spark target")
    ap.add_argument("--keep", action="store_true", help="keep the generated practice (gen/) after the run")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="keep the work folder and skip the steps its steps.json records as done (same parameters)",
    )
    ap.add_argument(
        "--stop-after",
        choices=[*ORDER, "spark"],
        help="stop after this step (e.g. generate on a busy machine), then --resume the rest on a quiet one",
    )
    ap.add_argument("--report-only", action="store_true", help="only rewrite SCALE.md and the plots")
    args = ap.parse_args()
    if not args.report_only:
        RESULTS.mkdir(parents=True, exist_ok=True)
        print(f"bytecode compiled in {compile_bytecode():.1f} s (not timed)", flush=True)
        print(f"dbt manifest current in {prepare_manifest():.1f} s (not timed)", flush=True)
        for leads in args.sizes:
            result = run_size(leads, args)
            if result is None:
                print(f"[{leads}] stopped after {args.stop_after}; go on with --resume", flush=True)
                continue
            path = RESULTS / f"{date.today().isoformat()}-{leads}.json"
            path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
            print(f"[{leads}] written {path}", flush=True)
    print(f"report: {write_report()}", file=sys.stderr)


if __name__ == "__main__":
    main()
