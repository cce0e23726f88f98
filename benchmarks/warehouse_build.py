"""Warehouse build benchmark: a full dbt build vs one incremental day on top, at N leads.

    nice uv run python benchmarks/warehouse_build.py --leads 20000 [--out DIR]
    nice uv run python benchmarks/warehouse_build.py --reuse /tmp/ptleads_identity_truth  # 50k, no re-ingest

1. Generate N leads and run the whole pipeline as of the day before the end (ingest + full build), or
   reuse a practice and warehouse already ingested by benchmarks/identity_truth.py (rebuilt in full as of
   the day before the end, so both starts are the same).
2. Copy that warehouse twice. Copy A: `dbt run` as of the end day (the daily run: incremental models
   merge, pair scoring rescores only new or changed identity nodes). Copy B: `dbt run --full-refresh`
   as of the same day.
3. Every marts table of A must equal B row for row (EXCEPT ALL both ways).

Writes benchmarks/results/warehouse-<size>-<date>.json: wall and CPU seconds (incl. the dbt child process)
of each build, the slowest models of each from dbt's run_results.json, and the machine load."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.generator import generate
from orchestration.pipeline import run_pipeline
from orchestration.settings import REPO_ROOT, Settings
from orchestration.transform.dbt_invoke import run_dbt


class Phase:
    """Wall and CPU seconds of a block, CPU including waited-for children (dbt runs in one)."""

    @staticmethod
    def _cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), self._cpu()

    def done(self) -> dict[str, float]:
        return {
            "wall_s": round(time.perf_counter() - self.wall, 1),
            "cpu_s": round(self._cpu() - self.cpu, 1),
        }


def _slowest_models(target_dir: Path, n: int = 12) -> dict[str, float]:
    results = json.loads((target_dir / "run_results.json").read_text(encoding="utf-8"))["results"]
    ranked = sorted(results, key=lambda r: -r["execution_time"])[:n]
    return {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in ranked}


def _mart_differences(left: Path, right: Path) -> dict[str, list[int]]:
    con = duckdb.connect(str(left), read_only=True)
    try:
        con.execute(f"attach '{right}' as other (read_only)")
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'warehouse' and table_schema = 'marts' "
                "and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        out = {}
        for t in tables:
            a = con.execute(
                f"select count(*) from (from marts.{t} except all from other.marts.{t})"
            ).fetchone()[0]
            b = con.execute(
                f"select count(*) from (from other.marts.{t} except all from marts.{t})"
            ).fetchone()[0]
            out[t] = [a, b]
        return out
    finally:
        con.close()


def _day(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 6, 30))
    parser.add_argument("--out", type=Path, default=Path("/tmp/ptleads_bench_warehouse"))
    parser.add_argument("--reuse", type=Path, help="folder of an identity_truth run (gen/ and wh/)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    timings: dict[str, dict[str, float]] = {}
    base_day, next_day = _day(args.end - timedelta(days=1)), _day(args.end)
    shutil.rmtree(args.out / "builds", ignore_errors=True)
    (args.out / "builds").mkdir(parents=True)
    if args.reuse:
        gen_dir = args.reuse / "gen"
        base_wh = args.out / "builds" / "base.duckdb"
        shutil.copy(args.reuse / "wh" / "warehouse.duckdb", base_wh)
        base = Settings().with_overrides(
            inbox=gen_dir / "inbox", warehouse=base_wh, config_dir=gen_dir / "config", as_of=base_day
        )
        phase = Phase()
        run_dbt(base, "run", args.out / "builds" / "dbt_base", full_refresh=True)
        timings["base_full_dbt_run"] = phase.done()
        leads = None
    else:
        gen_dir = args.out / "gen"
        shutil.rmtree(gen_dir, ignore_errors=True)
        phase = Phase()
        generate(
            out_dir=gen_dir,
            seed=1,
            n_leads=args.leads,
            months=args.months,
            n_clinics=3,
            end=args.end,
            max_faxes=0,
            base_config=REPO_ROOT / "config",
            progress=lambda _m: None,
        )
        timings["generate"] = phase.done()
        leads = args.leads
        base = Settings().with_overrides(
            inbox=gen_dir / "inbox",
            warehouse=args.out / "builds" / "base.duckdb",
            config_dir=gen_dir / "config",
            as_of=base_day,
        )
        phase = Phase()
        run_pipeline(base, lambda _m: None)  # ingest + full build + scoring + publish
        timings["base_pipeline"] = phase.done()
    builds = {}
    for label, full in (("incremental_day", False), ("full_refresh_day", True)):
        path = args.out / "builds" / f"{label}.duckdb"
        shutil.copy(base.warehouse, path)
        settings = base.with_overrides(warehouse=path, as_of=next_day)
        target = args.out / "builds" / f"dbt_{label}"
        phase = Phase()
        run_dbt(settings, "run", target, full_refresh=full)
        timings[label] = phase.done()
        builds[label] = {"path": path, "slowest_models": _slowest_models(target)}
    diffs = _mart_differences(builds["incremental_day"]["path"], builds["full_refresh_day"]["path"])
    con = duckdb.connect(str(builds["full_refresh_day"]["path"]), read_only=True)
    try:
        counts = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in (
                "marts.fct_leads",
                "marts.fct_touches",
                "marts.lead_source_records",
                "intermediate.int_source_records",
                "intermediate.int_record_matches",
            )
        }
    finally:
        con.close()
    result = {
        "leads_generated": leads if leads is not None else f"reused {args.reuse}",
        "base_as_of": base_day.isoformat(),
        "day_as_of": next_day.isoformat(),
        "row_counts": counts,
        "timings": timings,
        "slowest_models": {k: v["slowest_models"] for k, v in builds.items()},
        "marts_identical": all(d == [0, 0] for d in diffs.values()),
        "mart_differences": {t: d for t, d in diffs.items() if d != [0, 0]},
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "note": "dbt `run` wall includes ~20-40 s of dbt start-up and project parsing per invocation",
    }
    size = f"{leads // 1000}k" if leads else f"{counts['marts.fct_leads'] // 1000}k-leads-reused"
    path = REPO_ROOT / "benchmarks" / "results" / f"warehouse-{size}-{date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
