"""HL7 v2 ingest alone, as the ingest step runs it: the source's folder of an inbox copied aside, ingested by
ingest_sources into a fresh warehouse with the parse pool (2 workers, started and idle before timing), CPU
seconds of this process and its workers (psutil) and wall seconds of the ingest call alone.

uv run python benchmarks/hl7_ingest_speed.py --inbox /tmp/s19/100000/inbox --work /tmp/h131/bench
    [--workers 2] [--keep] [--profile FILE] [--json]

Prints one JSON line (files, records, cpu_s, parent_cpu_s, workers_cpu_s, wall_s). --keep leaves the
warehouse in --work (for the EXCEPT ALL comparison of two versions); --profile FILE runs it in-process
(workers 0) under cProfile and dumps the stats to FILE. A/B of two versions: run this script from each
version's tree (PYTHONPATH) interleaved, see benchmarks/hl7_ingest_ab.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import duckdb
import psutil


def _cpu(pids: list[int]) -> tuple[float, float]:
    own = time.process_time()
    workers = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            workers += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return own, workers


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inbox", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--profile", type=Path)
    args = ap.parse_args()

    from orchestration.ingest import parse_pool
    from orchestration.ingest.framework import ParseContext, ingest_sources
    from orchestration.ingest.hl7v2 import HL7V2
    from orchestration.ingest.profiles import load_profiles

    config_dir = args.inbox.parent / "gen" / "config"
    if not config_dir.is_dir():
        config_dir = args.inbox.parent / "config"
    work = args.work
    if work.exists():
        shutil.rmtree(work)
    (work / "inbox").mkdir(parents=True)
    shutil.copytree(args.inbox / "hl7v2", work / "inbox" / "hl7v2")
    warehouse = work / "warehouse.duckdb"
    workers = 0 if args.profile else args.workers
    ctx = ParseContext(config_dir, load_profiles(config_dir), warehouse_dir=work)
    if workers >= 2:
        parse_pool.start_workers(workers)
        pool = parse_pool._POOL
        assert pool is not None
        for f in [pool.submit(time.sleep, 0.2) for _ in range(workers)]:
            f.result()
    pids = parse_pool.pool_children_pids()
    # Both workers done with their imports (start_workers' tasks may still run in one while the other took
    # both sleeps): their CPU time stands still for 0.5 s.
    last = -1.0
    while (now := _cpu(pids)[1]) - last > 0.005:
        last = now
        time.sleep(0.5)
    con = duckdb.connect(str(warehouse), config={"memory_limit": "2GB"})
    con.execute(f"SET temp_directory='{work / 'tmp'}'")
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    before = _cpu(pids)
    wall0 = time.perf_counter()
    if profiler:
        profiler.enable()
    reports = ingest_sources(con, [HL7V2], work / "inbox", work / "quarantine", ctx, workers=workers)
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - wall0
    after = _cpu(pids)
    con.close()
    if profiler:
        profiler.dump_stats(str(args.profile))
    parse_pool.shutdown_pool(wait=True)
    report = reports[0]
    parent, pool_cpu = after[0] - before[0], after[1] - before[1]
    out = {
        "files": report.files_seen,
        "records": report.records,
        "quarantined": report.files_quarantined,
        "cpu_s": round(parent + pool_cpu, 3),
        "parent_cpu_s": round(parent, 3),
        "workers_cpu_s": round(pool_cpu, 3),
        "wall_s": round(wall, 3),
        "records_per_cpu_s": round(report.records / (parent + pool_cpu)),
        "pid": os.getpid(),
    }
    print(json.dumps(out))
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
