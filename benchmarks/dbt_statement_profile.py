"""Sum a dbt statement log (PTLEADS_DBT_STATEMENT_LOG, orchestration/transform/dbt_statement_log.py):
seconds per dbt node and the slowest statements (how session 20 found where the 1M-lead day's dbt phase 1
spends its time):

    PTLEADS_DBT_STATEMENT_LOG=/tmp/day.jsonl uv run python benchmarks/scale_day.py --size 1000000 --ready DIR
    uv run python benchmarks/dbt_statement_profile.py /tmp/day.jsonl --top 40
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log", type=Path)
    ap.add_argument("--top", type=int, default=30, help="slowest statements to list")
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.log.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_node: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for row in rows:
        totals = by_node[row["node"]]
        totals[0] += row["seconds"]
        totals[1] += row["cpu_seconds"]
        totals[2] += 1
    print(f"{len(rows)} statements, {sum(r['seconds'] for r in rows):.1f} s")
    print("\n   wall s    CPU s  stmts  node")
    for node, (wall, cpu, count) in sorted(by_node.items(), key=lambda kv: -kv[1][0])[: args.top]:
        print(f"{wall:9.2f} {cpu:8.2f} {int(count):6d}  {node}")
    print("\n   wall s  node / statement")
    for row in sorted(rows, key=lambda r: -r["seconds"])[: args.top]:
        print(f"{row['seconds']:9.2f}  {row['node'].split('.')[-1][:40]}: {row['sql'][:140]}")


if __name__ == "__main__":
    main()
