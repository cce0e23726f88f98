"""What the verbatim JSON copies cost the ingest: each source ingested as it is, then with its zstd JSON
column (fhir resource_json, hl7v2 resources_json, web forms raw_json: ZstdJsonTable) stored as NULL.

No dbt model reads those columns (they are kept for lineage and replay; the inbox file keeps the same
bytes), so the difference is what dropping them would save: CPU seconds of the whole ingest (parse,
Arrow, insert, COMMIT) and warehouse bytes. A measurement for that decision only: the product always
stores them. Everything runs in this process (no parse workers), so one CPU clock covers all the work;
the two variants alternate (--repeat pairs) and the best of each is kept, as the machine is shared.
--workers 2 measures the product's path (parse workers; their CPU added to this process's): the workers
are restarted before each run, and told which variant to build, so the JSON's trip to the parent counts.

uv run python benchmarks/ingest_json_column_cost.py --inbox /tmp/s11_scale/100000/inbox [--sources fhir,hl7v2]
    [--repeat 2] [--workers 0] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil
import pyarrow as pa

from orchestration.ingest import parse_pool
from orchestration.ingest.framework import ParseContext, ingest_source
from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.records import RawTable
from orchestration.ingest.sources import SOURCES
from orchestration.ingest.zstd_json_tables import ZstdJsonTable
from orchestration.settings import REPO_ROOT

RESULTS = REPO_ROOT / "benchmarks" / "results"


@contextmanager
def json_columns_null() -> Iterator[None]:
    """RawTable._from_tuples with every ZstdJsonTable's JSON column replaced by NULLs (in this process)."""
    original = RawTable._from_tuples

    def without_json(self: RawTable, tuples: Iterable[tuple]) -> pa.Table:
        if not isinstance(self, ZstdJsonTable):
            return original(self, tuples)
        at = [c[0] for c in self.columns].index(self.json_column)
        return original(self, ((*t[:at], None, *t[at + 1 :]) for t in tuples))

    RawTable._from_tuples = without_json  # type: ignore[method-assign]
    try:
        yield
    finally:
        RawTable._from_tuples = original  # type: ignore[method-assign]


_NULL_IN_WORKER: list[object] = []  # the entered json_columns_null of a worker told to build NULLs


def worker_variant(null: bool) -> None:
    """Run in each parse worker: build the JSON columns as NULLs from now on (null), or as stored."""
    if null and not _NULL_IN_WORKER:
        patch = json_columns_null()
        patch.__enter__()
        _NULL_IN_WORKER.append(patch)
    time.sleep(0.5)  # hold this worker so the next task goes to the other one


def _fresh_workers(workers: int, null: bool) -> None:
    """Restart the parse pool with every worker set to the variant (nothing to do in-process)."""
    parse_pool.shutdown_pool(wait=True)
    if workers < 2:
        return
    import ingest_json_column_cost as me  # by module name: a worker's bare __main__ has no functions

    with parse_pool.importable_main():
        pool = parse_pool._pool(workers)
        for future in [pool.submit(me.worker_variant, null) for _ in range(workers)]:
            future.result()


def _cpu_seconds() -> float:
    """This process's CPU time and its live parse workers'."""
    total = time.process_time()
    for pid in parse_pool.pool_children_pids():
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def _ingest_once(source, inbox: Path, root: Path, ctx: ParseContext, workers: int) -> dict:
    """One ingest of the source into a fresh warehouse: CPU and wall seconds, records, warehouse bytes."""
    path = root / "w.duckdb"
    limit = os.environ.get("PTLEADS_DUCKDB_MEMORY_LIMIT", "2GB")
    con = duckdb.connect(str(path), config={"memory_limit": limit})
    cpu0, wall0 = _cpu_seconds(), time.monotonic()
    with gc_paused():
        report = ingest_source(con, source, inbox, root / "q", ctx, workers=workers)
    cpu, wall = _cpu_seconds() - cpu0, time.monotonic() - wall0
    con.execute("CHECKPOINT")
    con.close()
    size = sum(p.stat().st_size for p in root.glob("w.duckdb*"))
    for stale in root.glob("w.duckdb*"):
        stale.unlink()
    return {
        "records": report.records,
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "warehouse_mb": round(size / 2**20, 1),
    }


def run(inbox_dir: Path, names: list[str], repeat: int, workers: int) -> dict:
    pa.array([0])  # pyarrow imports pandas on its first conversion: not part of any measurement
    out: dict = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": os.getloadavg(),
        "workers": workers,
        "sources": {},
    }
    with tempfile.TemporaryDirectory(dir=os.environ.get("PTLEADS_BENCH_TMP")) as tmp:
        root = Path(tmp)
        shutil.copytree(REPO_ROOT / "config", root / "config")
        ctx = ParseContext(root / "config", load_profiles(root / "config"), warehouse_dir=root)
        for source in SOURCES:
            if source.name not in names:
                continue
            inbox = root / "inbox"
            # hard links: the inbox is read, never written (a clean inbox leaves nothing to quarantine)
            shutil.copytree(inbox_dir / source.name, inbox / source.name, copy_function=os.link)
            runs: dict[str, list[dict]] = {"stored": [], "null": []}
            for _ in range(repeat):
                _fresh_workers(workers, null=False)
                runs["stored"].append(_ingest_once(source, inbox, root, ctx, workers))
                _fresh_workers(workers, null=True)
                with json_columns_null():
                    runs["null"].append(_ingest_once(source, inbox, root, ctx, workers))
            shutil.rmtree(inbox)
            best = {k: min(v, key=lambda r: r["cpu_s"]) for k, v in runs.items()}
            stored, null = best["stored"], best["null"]
            out["sources"][source.name] = {
                "records": stored["records"],
                "stored": stored,
                "json_null": null,
                "json_share_of_cpu": round(1 - null["cpu_s"] / stored["cpu_s"], 3),
                "json_us_per_record": round(1e6 * (stored["cpu_s"] - null["cpu_s"]) / stored["records"], 2),
                "runs": runs,
            }
    out["load_average_end"] = os.getloadavg()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--inbox", type=Path, required=True, help="read-only inbox (e.g. scale_run's 100k one)")
    ap.add_argument("--sources", default="fhir,hl7v2", help="comma-separated source names")
    ap.add_argument("--repeat", type=int, default=2, help="pairs of runs (stored, null): best of each")
    ap.add_argument("--workers", type=int, default=0, help="parse processes (0: in-process)")
    ap.add_argument("--out", type=Path, help="default benchmarks/results/ingest-json-cost-<date>.json")
    args = ap.parse_args()
    result = run(args.inbox, args.sources.split(","), args.repeat, args.workers)
    out = args.out or RESULTS / f"ingest-json-cost-{datetime.now(UTC).date()}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    for name, entry in result["sources"].items():
        print(name, entry["records"], entry["stored"], entry["json_null"], entry["json_share_of_cpu"])


if __name__ == "__main__":
    main()
