"""Identity resolution and lead episodes against generator truth at a chosen size (the 50k must-show of
issue 4; the test suite stops at 5k).

    nice uv run python benchmarks/identity_truth.py --leads 50000 [--out DIR] [--keep]

Generates a practice (no faxes by default), runs the whole pipeline as of the day after the end, scores
the warehouse (pairwise precision/recall, exact episode assignment, scheduled/evaluated per month) and
writes benchmarks/results/identity-<N>k-<date>.json with wall and CPU seconds (incl. child processes:
dbt runs in one) per phase and the machine's load, since other work shares the machine."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import yaml

from orchestration.generator import generate
from orchestration.identity.truth_scoring import score_warehouse
from orchestration.pipeline import run_pipeline
from orchestration.settings import REPO_ROOT, Settings
from orchestration.transform.dbt_invoke import run_dbt


def cpu_seconds() -> float:
    """CPU of this process and of its waited-for children (dbt runs in a child process)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def export_horizon(config_dir: Path, end: date) -> datetime:
    """The moment the exports stop: midnight after `end` in the practice's time zone (the generator writes
    each day's files through local midnight). Truth after it is nothing the warehouse could know."""
    practice = yaml.safe_load((config_dir / "practice.yaml").read_text(encoding="utf-8"))
    zone = ZoneInfo(practice["clinics"][0]["timezone"])
    return datetime.combine(end + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)


class Phase:
    """Wall and CPU seconds of a block."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = cpu_seconds()

    def done(self) -> dict[str, float]:
        return {
            "wall_s": round(time.perf_counter() - self.wall, 1),
            "cpu_s": round(cpu_seconds() - self.cpu, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-faxes", type=int, default=0)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 6, 30))
    parser.add_argument("--out", type=Path, default=Path("/tmp/ptleads_identity_truth"))
    parser.add_argument("--keep", action="store_true", help="reuse a practice already generated in --out")
    parser.add_argument(
        "--dbt-only",
        action="store_true",
        help="the warehouse in --out is already ingested: rebuild every dbt model (dbt run) and score",
    )
    args = parser.parse_args()
    as_of = datetime(args.end.year, args.end.month, args.end.day, 12, tzinfo=UTC) + timedelta(days=1)
    gen_dir = args.out / "gen"
    load_before = os.getloadavg()
    timings: dict[str, dict[str, float]] = {}
    if not (args.keep or args.dbt_only) or not (gen_dir / "truth" / "records.csv").exists():
        shutil.rmtree(args.out, ignore_errors=True)
        phase = Phase()
        generate(
            out_dir=gen_dir,
            seed=args.seed,
            n_leads=args.leads,
            months=args.months,
            n_clinics=3,
            end=args.end,
            max_faxes=args.max_faxes,
            base_config=REPO_ROOT / "config",
            progress=lambda _m: None,
        )
        timings["generate"] = phase.done()
    if not args.dbt_only:
        shutil.rmtree(args.out / "wh", ignore_errors=True)
    settings = Settings().with_overrides(
        inbox=gen_dir / "inbox",
        warehouse=args.out / "wh" / "warehouse.duckdb",
        config_dir=gen_dir / "config",
        as_of=as_of,
    )
    steps: list[str] = []
    phase = Phase()
    if args.dbt_only:
        run_dbt(settings, "run", args.out / "dbt_target")
        timings["dbt_run"] = phase.done()
    else:
        run_pipeline(settings, steps.append)
        timings["pipeline"] = phase.done()
    phase = Phase()
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        truth_cutoff = min(as_of, export_horizon(gen_dir / "config", args.end))
        report = score_warehouse(con, gen_dir / "truth", truth_cutoff)
        leads = con.execute("select count(*) from marts.fct_leads").fetchone()[0]
        pairs = con.execute("select count(*) from intermediate.int_record_matches").fetchone()[0]
    finally:
        con.close()
    timings["score"] = phase.done()
    months_off = {
        kind: {m: {"truth": t, "ours": o} for m, (t, o) in counts.items() if t != o}
        for kind, counts in (
            ("scheduled", report.scheduled_by_month),
            ("evaluated", report.evaluated_by_month),
        )
    }
    result = {
        "leads_generated": args.leads,
        "seed": args.seed,
        "months": args.months,
        "max_faxes": args.max_faxes,
        "as_of": as_of.isoformat(),
        "truth_cutoff": truth_cutoff.isoformat(),
        "leads_built": leads,
        "candidate_pairs": pairs,
        "pairwise": asdict(report.persons),
        "episode_accuracy": report.episode_accuracy,
        "episode_records": report.episode_records,
        "scheduled_by_month": {m: list(v) for m, v in report.scheduled_by_month.items()},
        "evaluated_by_month": {m: list(v) for m, v in report.evaluated_by_month.items()},
        "months_off": months_off,
        "bar_met": report.persons.precision >= 0.99
        and report.persons.recall >= 0.98
        and report.episode_accuracy >= 0.97
        and not months_off["scheduled"]
        and not months_off["evaluated"],
        "ingested_sources": list(report.ingested_sources),
        "mode": "dbt run on an ingested warehouse" if args.dbt_only else "whole pipeline",
        "timings": timings,
        "pipeline_steps": [s for s in steps if "dbt" in s or "done" in s][-12:],
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    size = f"{args.leads // 1000}k" if args.leads >= 1000 else str(args.leads)
    seed = "" if args.seed == 1 else f"-seed{args.seed}"  # seed 1 keeps its historical file name
    path = REPO_ROOT / "benchmarks" / "results" / f"identity-{size}{seed}-{date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if "by_month" not in k}, indent=2))


if __name__ == "__main__":
    main()
