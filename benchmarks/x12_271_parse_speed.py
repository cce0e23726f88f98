"""CPU microseconds per row of the 271 bulk reader alone (bulk_271_rows, no ingest framework) over a folder of
271 files, cold (memos cleared, as a fresh parse worker) and warm (memos filled by an earlier pass); GC off as
the ingest runs it. Files the reader hands to parse_271 are counted, not timed apart.

uv run python benchmarks/x12_271_parse_speed.py DIR [--passes 5]

To compare two versions on a loaded machine, run it alternately from both checkouts (PYTHONPATH=<other
checkout> for the old one) and compare minima; the machine's other load moves both alike only if interleaved.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path

from orchestration.x12 import x12_271_bulk_levels
from orchestration.x12.x12_271_bulk import bulk_271_rows


def measure(folder: Path, passes: int) -> dict:
    texts = [p.read_bytes().decode("utf-8-sig") for p in sorted(folder.glob("*")) if p.is_file()]
    gc.disable()
    try:
        cold: list[float] = []
        warm: list[float] = []
        rows = declined = 0
        for _ in range(passes):
            x12_271_bulk_levels.memo_for.cache_clear()
            for times in (cold, warm):
                started = time.process_time()
                results = [bulk_271_rows(text) for text in texts]
                times.append(time.process_time() - started)
            rows = sum(len(r) for r in results if r is not None)
            declined = sum(r is None for r in results)
    finally:
        gc.enable()
    per_row = 1e6 / max(rows, 1)
    return {
        "files": len(texts),
        "rows": rows,
        "files_declined": declined,
        "cold_us_per_row_min": round(min(cold) * per_row, 2),
        "warm_us_per_row_min": round(min(warm) * per_row, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="folder of 271 files, e.g. <generated>/inbox/eligibility")
    ap.add_argument("--passes", type=int, default=5)
    args = ap.parse_args()
    print(json.dumps(measure(args.folder, args.passes)))


if __name__ == "__main__":
    main()
