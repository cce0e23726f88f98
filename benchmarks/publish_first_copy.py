"""Time a publish of a warehouse: first (no snapshot yet) or over an existing snapshot; wall, CPU, peak RSS
and per-table seconds.

    uv run python benchmarks/publish_first_copy.py WAREHOUSE SNAPSHOT [--keep] [--no-plain]

Without --keep the SNAPSHOT file is deleted first (a first publish); with it, the publish patches it.
--no-plain compresses every column (the snapshot format before h121's PLAIN_STORED_COLUMNS).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.serving import publish as publish_lib
from orchestration.serving import snapshot_sync


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--keep", action="store_true", help="publish over the snapshot already there")
    parser.add_argument("--as-of", default="2026-06-30T05:00:00+00:00")
    parser.add_argument("--no-plain", action="store_true", help="every column compressed (before h121)")
    args = parser.parse_args()
    if not args.keep:
        args.snapshot.unlink(missing_ok=True)
    if args.no_plain:
        snapshot_sync.PLAIN_STORED_COLUMNS = {}
    per_table: dict[str, tuple[float, float]] = {}
    sync_table = snapshot_sync.sync_table

    def timed(con, source, target, schema, name):  # type: ignore[no-untyped-def]
        start, cpu_start = time.perf_counter(), _cpu()
        try:
            return sync_table(con, source, target, schema, name)
        finally:
            per_table[f"{schema}.{name}"] = (
                round(time.perf_counter() - start, 2),
                round(_cpu() - cpu_start, 2),
            )

    publish_lib.sync_table = timed  # type: ignore[assignment]
    con = duckdb.connect(str(args.warehouse), config={"memory_limit": args.memory_limit})
    views = [
        f"{s}.{v}"
        for s, v in con.execute(
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    ]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    result = publish_lib.publish(con, args.snapshot, datetime.fromisoformat(args.as_of))
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    con.close()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    slowest = dict(sorted(per_table.items(), key=lambda kv: -kv[1][1])[:10])
    print(
        json.dumps(
            {
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "peak_rss_mb": cpu1.ru_maxrss // 1024,
                "snapshot_mb": args.snapshot.stat().st_size // 2**20,
                "summary": result.summary(),
                "slowest (wall s, cpu s)": slowest,
                "views": views,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
