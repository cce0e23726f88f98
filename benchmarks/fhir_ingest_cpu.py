"""CPU of the FHIR ingest alone: the product's path (ingest_source, parse workers warm, one writer)
into a fresh warehouse, split into the parent's CPU (hashing/cutting, inserts, COMMIT) and the workers'
(read, decode, flatten, Arrow).

One invocation measures the code it imports (run it from another checkout with PYTHONPATH for a
baseline) and appends one line per run to --append; A/B runs are interleaved by calling it alternately.
--summarise FILE... turns those lines into the result JSON. --profile runs once in-process (workers=0)
under cProfile and prints the top functions.

uv run python benchmarks/fhir_ingest_cpu.py --inbox /tmp/s19/100000/inbox --label after --append runs.jsonl
uv run python benchmarks/fhir_ingest_cpu.py --summarise runs.jsonl --out benchmarks/results/x.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil
import pyarrow as pa

from orchestration.ingest import fhir, parse_pool
from orchestration.ingest.framework import ParseContext, ingest_source
from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.profiles import load_profiles
from orchestration.settings import REPO_ROOT


def _children_cpu() -> float:
    total = 0.0
    for pid in parse_pool.pool_children_pids():
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def _settled_workers(workers: int) -> None:
    """Wait until the started workers have imported the parsers (their CPU time stops growing): their
    start is not part of the ingest (the run starts them ahead)."""
    last = -1.0
    for _ in range(120):
        time.sleep(1.0)
        pids = parse_pool.pool_children_pids()
        now = _children_cpu()
        if len(pids) == workers and now - last < 0.01:
            return
        last = now


def ingest_once(
    inbox_dir: Path, workers: int, files: list[str] | None, profile: bool = False, keep: Path | None = None
) -> dict:
    pa.array([0])
    with tempfile.TemporaryDirectory(dir=os.environ.get("PTLEADS_BENCH_TMP")) as tmp:
        root = Path(tmp)
        shutil.copytree(REPO_ROOT / "config", root / "config")
        ctx = ParseContext(root / "config", load_profiles(root / "config"), warehouse_dir=root)
        inbox = root / "inbox"
        (inbox / "fhir").mkdir(parents=True)
        for path in sorted((inbox_dir / "fhir").iterdir()):
            if files is None or path.name in files:
                os.link(path, inbox / "fhir" / path.name)  # read, never written
        if workers >= 2:
            parse_pool.start_workers(workers)
            _settled_workers(workers)
        con = duckdb.connect(str(root / "w.duckdb"), config={"memory_limit": "2GB"})
        kids0, cpu0, wall0 = _children_cpu(), time.process_time(), time.monotonic()
        if profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            with gc_paused():
                prof.enable()
                report = ingest_source(con, fhir.FHIR, inbox, root / "q", ctx, workers=workers)
                prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(35)
        else:
            with gc_paused():
                report = ingest_source(con, fhir.FHIR, inbox, root / "q", ctx, workers=workers)
        parent, kids = time.process_time() - cpu0, _children_cpu() - kids0
        wall = time.monotonic() - wall0
        con.execute("CHECKPOINT")
        con.close()
        size = sum(p.stat().st_size for p in root.glob("w.duckdb*"))
        if keep is not None:
            shutil.copyfile(root / "w.duckdb", keep)
        parse_pool.shutdown_pool(wait=True)
    return {
        "records": report.records,
        "cpu_s": round(parent + kids, 3),
        "parent_cpu_s": round(parent, 3),
        "workers_cpu_s": round(kids, 3),
        "wall_s": round(wall, 3),
        "warehouse_mb": round(size / 2**20, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def summarise(paths: list[Path]) -> dict:
    runs: dict[str, list[dict]] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            row = json.loads(line)
            runs.setdefault(row["label"], []).append(row)
    out: dict = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "variants": {}}
    for label, rows in runs.items():
        out["variants"][label] = {
            key: {
                "median": round(statistics.median(r[key] for r in rows), 3),
                "min": min(r[key] for r in rows),
            }
            for key in ("cpu_s", "parent_cpu_s", "workers_cpu_s", "wall_s", "warehouse_mb")
        } | {"records": rows[0]["records"], "runs": rows}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inbox", type=Path, help="read-only inbox holding fhir/")
    ap.add_argument("--files", help="comma-separated file names of inbox/fhir (default: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--label", default="run")
    ap.add_argument("--commit", default="")
    ap.add_argument("--append", type=Path, help="JSON Lines file the run is appended to")
    ap.add_argument("--profile", action="store_true", help="cProfile one in-process run (workers=0)")
    ap.add_argument("--keep", type=Path, help="copy the warehouse here (equality checks)")
    ap.add_argument("--summarise", type=Path, nargs="+")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.summarise:
        result = summarise(args.summarise)
        text = json.dumps(result, indent=1) + "\n"
        if args.out:
            args.out.write_text(text)
        for label, entry in result["variants"].items():
            print(label, {k: v for k, v in entry.items() if k != "runs"})
        return
    files = args.files.split(",") if args.files else None
    row = ingest_once(args.inbox, 0 if args.profile else args.workers, files, args.profile, args.keep)
    row = {"label": args.label, "commit": args.commit, "files": files, "workers": args.workers} | row
    print(json.dumps(row))
    if args.append:
        with args.append.open("a") as handle:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
