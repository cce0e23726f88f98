"""A/B of the HL7 v2 ingest between two versions of the code: benchmarks/hl7_ingest_speed.py run from each
version's orchestration package (the base's extracted by `git archive`), interleaved (A B A B ...), each in a
fresh process and warehouse; then the two last warehouses' raw tables and ingest log compared EXCEPT ALL
both ways (ingested_at, duration_s and the log's timings left out).

uv run python benchmarks/hl7_ingest_ab.py --inbox /tmp/s19/100000/inbox --work /tmp/h131/ab --base main
    [--runs 3] [--out benchmarks/results/h131_hl7_ingest-2026-11-30.json]

CPU seconds (parent + parse workers, from the pool's start to the last commit) are the measure: the machine is
shared, wall seconds move with other people's load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
SPEED = REPO / "benchmarks" / "hl7_ingest_speed.py"
TABLES = ("hl7v2_messages", "hl7v2_referrals", "hl7v2_appointments", "hl7v2_patient_updates")


def _run(tree: Path | None, inbox: Path, work: Path, keep: bool) -> dict[str, object]:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    cmd = [sys.executable, str(SPEED), "--inbox", str(inbox), "--work", str(work)]
    if keep:
        cmd.append("--keep")
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _differences(a: Path, b: Path) -> dict[str, list[int]]:
    con = duckdb.connect()
    con.execute("SET memory_limit='2GB'")
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for table in (*TABLES, "ingest_log"):
        exclude = "ingested_at, duration_s" if table == "ingest_log" else "ingested_at"
        counts = []
        for x, y in (("a", "b"), ("b", "a")):
            sql = (
                f"SELECT count(*) FROM (SELECT * EXCLUDE ({exclude}) FROM {x}.raw.{table} "
                f"EXCEPT ALL SELECT * EXCLUDE ({exclude}) FROM {y}.raw.{table})"
            )
            counts.append(con.execute(sql).fetchone()[0])
        rows = [con.execute(f"SELECT count(*) FROM {x}.raw.{table}").fetchone()[0] for x in ("a", "b")]
        out[table] = [*rows, *counts]  # rows A, rows B, A EXCEPT ALL B, B EXCEPT ALL A
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inbox", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--base", default="main")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    work = args.work
    if work.exists():
        shutil.rmtree(work)
    base_tree = work / "base_tree"
    base_tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", args.base, "orchestration"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(base_tree)], input=archive, check=True)
    base_commit, head = (
        subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", ref], check=True, capture_output=True, text=True
        ).stdout.strip()
        for ref in (args.base, "HEAD")
    )
    runs: dict[str, list[dict[str, object]]] = {"base": [], "new": []}
    for number in range(args.runs):
        last = number == args.runs - 1
        for label, tree in (("base", base_tree), ("new", None)):
            load = os.getloadavg()[0]
            result = _run(tree, args.inbox, work / label, keep=last)
            result["load_1m"] = round(load, 2)
            runs[label].append(result)
            print(label, json.dumps(result), flush=True)
    equal = _differences(work / "base" / "warehouse.duckdb", work / "new" / "warehouse.duckdb")
    summary = {
        label: {
            key: {"min": min(values), "median": statistics.median(values)}
            for key in ("cpu_s", "parent_cpu_s", "workers_cpu_s", "wall_s")
            for values in [[float(r[key]) for r in rs]]  # type: ignore[arg-type]
        }
        for label, rs in runs.items()
    }
    result = {
        "what": "HL7 v2 source alone, ingest_sources into a fresh warehouse, 2 parse workers (started first)",
        "inbox": str(args.inbox / "hl7v2"),
        "base": f"{args.base} ({base_commit})",
        "new": f"working tree at {head}",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": runs,
        "summary": summary,
        "equal_rows": {
            "measure": "[rows base, rows new, base EXCEPT ALL new, new EXCEPT ALL base]",
            **equal,
        },
    }
    print(json.dumps(summary))
    print(json.dumps(equal))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
