"""Benchmark: the daily scoring step (`ml.score.score_open_leads`) on a real day's warehouse, optionally with
its feature mart replicated (x10 of the 100k day ~ the 1M day: ~1M mart rows, ~40k open leads).

The warehouse is only read: its feature mart (replicated `--times`, lead ids suffixed), margin cache and
score tables are copied into a scratch DuckDB file (`--scratch`, deleted at the end), and MLflow's store is
the warehouse's own (read only by the scoring). Each repeat scores into the scratch file, as the pipeline
does; wall and CPU seconds with the load. `--dump DIR` writes what the step wrote (lead_scores,
no_show_risk, ml_drift of the run's as_of) as parquet, to compare two commits row for row (`--compare`).
`--profile FILE` writes a cProfile of the last repeat; `--preload` loads the champions before each repeat,
untimed, as the pipeline's warm-up does while dbt phase 1 runs.

Run: uv run python benchmarks/scoring_speed.py --warehouse WH --config CONFIG [--times 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import duckdb  # noqa: E402
from bench_clock import timed  # noqa: E402

from orchestration.settings import Settings  # noqa: E402

_OUTPUTS = ("marts.lead_scores", "marts.no_show_risk", "marts.ml_drift")


def _build_scratch(warehouse: Path, scratch: Path, times: int) -> None:
    scratch.unlink(missing_ok=True)
    con = duckdb.connect(str(scratch))
    try:
        con.execute(f"attach '{warehouse}' as src (read_only)")
        con.execute("create schema marts; create schema ml_cache")
        columns = [r[0] for r in con.execute("describe src.marts.ml_lead_features").fetchall()]
        select = ", ".join(
            "lead_id || case when k = 0 then '' else '#' || k end as lead_id" if c == "lead_id" else c
            for c in columns
        )
        con.execute(
            f"create table marts.ml_lead_features as select {select} "
            f"from src.marts.ml_lead_features, range({times}) as t(k) order by k, received_at"
        )
        for name in ("ml_cache.drift_margins", *_OUTPUTS):
            if _exists(con, f"src.{name}"):
                con.execute(f"create table {name} as select * from src.{name}")
        con.execute("detach src")
        con.execute("checkpoint")
    finally:
        con.close()


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    try:
        con.execute(f"select 1 from {name} limit 0")
    except duckdb.Error:
        return False
    return True


def _score_once(scratch: Path, settings: Settings, profile: Path | None) -> int:
    from ml.score import score_open_leads

    con = duckdb.connect(str(scratch))
    try:
        if profile is None:
            return score_open_leads(con, settings)
        profiler = cProfile.Profile()
        out = profiler.runcall(score_open_leads, con, settings)
        profiler.dump_stats(str(profile))
        return out
    finally:
        con.close()


def _dump(scratch: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(scratch), read_only=True)
    try:
        as_of = con.execute("select max(as_of) from marts.ml_lead_features").fetchall()[0][0]
        for name in _OUTPUTS:
            if _exists(con, name):
                con.execute(
                    f"copy (select * from {name} where as_of = ?) to '{folder / name}.parquet'", [as_of]
                )
    finally:
        con.close()


def compare(a: Path, b: Path) -> dict[str, list[int]]:
    """Per output: rows of a not in b and of b not in a (EXCEPT ALL both ways)."""
    con = duckdb.connect()
    out = {}
    for name in _OUTPUTS:
        fa, fb = a / f"{name}.parquet", b / f"{name}.parquet"
        if not (fa.exists() and fb.exists()):
            out[name] = [-1, -1]
            continue
        one = con.execute(f"select count(*) from (from '{fa}' except all from '{fb}')").fetchall()[0][0]
        two = con.execute(f"select count(*) from (from '{fb}' except all from '{fa}')").fetchall()[0][0]
        rows = con.execute(f"select count(*) from '{fa}'").fetchall()[0][0]
        out[name] = [one, two, rows]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--times", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/ptleads_scoring_speed.duckdb"))
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--compare", type=Path, nargs=2)
    parser.add_argument(
        "--preload",
        action="store_true",
        help="load the champions before each repeat, untimed, as the "
        "pipeline's warm-up does during dbt phase 1 (ml.registry.preload_champions)",
    )
    args = parser.parse_args()
    if args.compare:
        print(json.dumps(compare(*args.compare)))
        return
    settings = Settings(warehouse=args.warehouse, config_dir=args.config)
    (_, built) = timed(lambda: _build_scratch(args.warehouse, args.scratch, args.times))
    # what the pipeline imports while dbt phase 1 runs (warm_scoring_imports)
    _, imports = timed(
        lambda: importlib.import_module("orchestration.transform.ml_scores")._import_scoring_modules()
    )
    runs = []
    try:
        for k in range(args.repeat):
            profile = args.profile if k == args.repeat - 1 else None
            if args.preload:
                from ml import registry

                registry.preload_champions(settings)
            scored, spent = timed(lambda p=profile: _score_once(args.scratch, settings, p), with_load=True)
            runs.append({"scored": scored, **spent})
        if args.dump:
            _dump(args.scratch, args.dump)
    finally:
        for suffix in ("", ".wal"):
            Path(f"{args.scratch}{suffix}").unlink(missing_ok=True)
    print(
        json.dumps(
            {"times": args.times, "build": built, "imports": imports, "runs": runs, "load": os.getloadavg()}
        )
    )


if __name__ == "__main__":
    main()
