"""Warehouse build benchmark: generate N leads, full pipeline build as of the end date, then one more
day of data on top (a second run one day later over the same inbox), and score against truth.

    uv run python benchmarks/warehouse_build.py --leads 100000 [--out DIR]

Writes benchmarks/results/warehouse-<date>.json."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.generator import generate
from orchestration.identity.truth_scoring import score_warehouse
from orchestration.pipeline import run_pipeline
from orchestration.settings import REPO_ROOT, Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("/tmp/ptleads_bench_warehouse"))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 6, 30))
    args = parser.parse_args()
    t0 = time.perf_counter()
    generate(
        out_dir=args.out / "gen",
        seed=1,
        n_leads=args.leads,
        months=args.months,
        n_clinics=3,
        end=args.end,
        max_faxes=0,
        base_config=REPO_ROOT / "config",
        progress=lambda _m: None,
    )
    generate_s = time.perf_counter() - t0
    # The day before the end first, then the last day on top: the second run is the incremental day.
    last_day = datetime(args.end.year, args.end.month, args.end.day, 12, tzinfo=UTC)
    base = Settings().with_overrides(
        inbox=args.out / "gen" / "inbox",
        warehouse=args.out / "wh" / "warehouse.duckdb",
        config_dir=args.out / "gen" / "config",
    )
    timings: dict[str, float] = {"generate_s": round(generate_s, 1)}
    for label, as_of in (("full_build_s", last_day - timedelta(days=1)), ("next_day_s", last_day)):
        t = time.perf_counter()
        run_pipeline(base.with_overrides(as_of=as_of), lambda _m: None)
        timings[label] = round(time.perf_counter() - t, 1)
    con = duckdb.connect(str(base.warehouse), read_only=True)
    try:
        report = score_warehouse(con, args.out / "gen" / "truth", last_day)
        leads = con.execute("select count(*) from marts.fct_leads").fetchone()[0]
        pairs = con.execute("select count(*) from intermediate.int_record_matches").fetchone()[0]
    finally:
        con.close()
    result = {
        "leads_generated": args.leads,
        "leads_built": leads,
        "candidate_pairs": pairs,
        **timings,
        "pairwise": asdict(report.persons),
        "episode_accuracy": report.episode_accuracy,
        "ingested_sources": list(report.ingested_sources),
        "note": "next_day_s reruns the whole dbt build (models are tables, not yet incremental)",
    }
    path = REPO_ROOT / "benchmarks" / "results" / f"warehouse-{date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
